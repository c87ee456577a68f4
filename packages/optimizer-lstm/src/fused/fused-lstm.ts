import { lstmInputSize, preprocessingHasStats, type LstmConfig } from '../config.js';
import { MOMENT_STATS_SIZE, writeMomentInputs } from '../moment-features.js';
import { OUTPUT_B, OUTPUT_W, lstmParamNames } from '../meta-params.js';
import { ensureMemory, instantiateLstmKernel } from './wasm-kernel.js';
import { L2oError } from '@l2o/core';

/** φ as plain arrays, keyed like the tensors (`layer{l}/wx`, …, `output/b`), row-major. */
export type FlatMetaParams = Readonly<Record<string, Float32Array>>;

/**
 * Recurrent state as plain arrays: h[l], c[l] are [N, H_l] row-major; `stats` [N, 4] row-major with
 * 'log-sign-moments' preprocessing (zeros if omitted).
 */
export type FlatLstmState = { h: Float32Array[]; c: Float32Array[]; stats?: Float32Array };

/**
 * The coordinatewise LSTM optimizer run by the fused WebAssembly kernel over plain Float32Arrays: one unroll
 * forward (saving the activations) and its backward with given output adjoints.
 *
 * Usage per unroll: `begin(n, phi, state)`, then `step(g_t)` for t = 0…K−1 (each returns the update), then
 * `metaGradient([G_0 … G_{K−1}])` = Σ_s G_sᵀ ∂u_s/∂φ, the state at the start of the unroll held constant.
 */
export interface FusedLstm {
  readonly config: LstmConfig;
  /** Starts an unroll over `n` coordinates from `state` (zero state if omitted). Reads φ once. */
  begin(n: number, phi: FlatMetaParams, state?: FlatLstmState): void;
  /** One optimizer step: the preprocessed gradient through the LSTM layers and the output layer. A fresh array. */
  step(grad: Float32Array): Float32Array;
  /** Steps taken since `begin`. */
  readonly steps: number;
  /** The state after the last step (the start state if none), as fresh arrays. */
  state(): FlatLstmState;
  /** dφ = Σ_s adjoints[s]ᵀ ∂u_s/∂φ over the steps of this unroll (adjoints.length must equal `steps`). */
  metaGradient(adjoints: readonly Float32Array[]): Record<string, Float32Array>;
  /** Bytes of wasm memory this runner holds. */
  readonly memoryBytes: number;
  /** Threads the kernel runs on (1, or 2 with a worker_thread). */
  readonly threads: 1 | 2;
  /** Stops the helper thread; the runner must not be used afterwards (its memory is freed with it). */
  dispose(): void;
}

const BWD_RC = 32; // must match lstm-kernel.c
const up = (x: number, m: number): number => Math.ceil(x / m) * m;

interface Layer {
  H: number; // real units
  hp: number; // padded units (multiple of 4)
  dinReal: number;
  din: number; // padded input width (= hp of the layer below, or d_in of the network)
  G: number;
  kp: number;
  W: number;
  b: number;
  WT: number;
  hInit: number;
  cInit: number;
  dh: number;
  dc: number;
  dW: number[]; // per thread
  db: number[];
  // offsets within one step's block
  gatesOff: number;
  hOff: number;
  cOff: number;
}

/** Options of {@link createFusedLstm}. */
export interface FusedLstmOptions {
  /** 1: single-threaded wasm (runs everywhere); 2: rows split with a worker_thread on shared memory (Node). */
  readonly threads?: 1 | 2;
}

/**
 * A fused-kernel runner for `config`. Holds one WebAssembly instance whose memory grows to fit the largest
 * unroll seen and is reused afterwards (first touches of fresh pages are slow).
 */
export function createFusedLstm(config: LstmConfig, options: FusedLstmOptions = {}): FusedLstm {
  const threads = options.threads ?? 1;
  if (threads !== 1 && threads !== 2)
    throw new L2oError('INVALID_OPTION', `fused lstm: threads must be 1 or 2; got ${String(threads)}`);
  const kernel = instantiateLstmKernel(threads);
  const k = kernel.exports;
  const memory = kernel.memory;
  const L = config.hiddenSizes.length;
  const d0 = lstmInputSize(config);
  const p = config.p;
  const logSign = config.preprocessing === 'log-sign';
  const moments = preprocessingHasStats(config);
  let stats = new Float32Array(0);
  const thr = Math.fround(Math.exp(-p));
  const expP = Math.fround(Math.exp(p));
  const p32 = Math.fround(p);
  const scale = config.outputScale;

  let n = 0;
  let np = 0;
  let split = 0; // rows [0, split) on this thread, [split, np) on the helper
  let layers: Layer[] = [];
  let plan = 0;
  let wo = 0;
  let dwo: number[] = [];
  let dbo: number[] = [];
  let out = 0;
  let stepsBase = 0;
  let stepStride = 0;
  let x0Off = 0;
  let adjOff = 0;
  let steps = 0;
  let ready = false;

  let f32 = new Float32Array(memory.buffer);
  let f64 = new Float64Array(memory.buffer);
  let u32 = new Uint32Array(memory.buffer);
  const views = (): void => {
    if (f32.length * 4 !== memory.buffer.byteLength) {
      f32 = new Float32Array(memory.buffer);
      f64 = new Float64Array(memory.buffer);
      u32 = new Uint32Array(memory.buffer);
    }
  };
  const heapBase = up(Number(k.__heap_base.value), 64);
  const T = threads;

  const layout = (rows: number): void => {
    n = rows;
    np = up(rows, 4);
    split = T === 2 ? up(Math.floor(np / 2), 4) : np;
    let off = heapBase;
    const take = (bytes: number): number => {
      const at = off;
      off = up(off + bytes, 64);
      return at;
    };
    plan = take((24 + 24 * L) * 4);
    let din = d0;
    let dinReal = d0;
    layers = config.hiddenSizes.map((H) => {
      const hp = up(H, 4);
      const G = 4 * hp;
      const kin = din + hp;
      const kp = up(kin, 8);
      const l: Layer = {
        H,
        hp,
        dinReal,
        din,
        G,
        kp,
        W: take(kin * G * 4),
        b: take(G * 4),
        WT: take(G * kp * 4),
        hInit: take(np * hp * 4),
        cInit: take(np * hp * 4),
        dh: take(np * hp * 4),
        dc: take(np * hp * 4),
        dW: [take(kin * G * 8), take(kin * G * 8)],
        db: [take(G * 8), take(G * 8)],
        gatesOff: 0,
        hOff: 0,
        cOff: 0,
      };
      din = hp;
      dinReal = H;
      return l;
    });
    const last = layers[L - 1]!;
    wo = take(last.hp * 4);
    dwo = [take(last.hp * 8), take(last.hp * 8)];
    dbo = [take(8), take(8)];
    out = take(np * 4);
    const gMax = Math.max(...layers.map((l) => l.G));
    const kpMax = Math.max(...layers.map((l) => l.kp));
    const scratchBytes = (Math.max(BWD_RC * (gMax + 2 * kpMax), last.hp) + 32) * 4;
    const scratch = [take(scratchBytes), take(scratchBytes)];
    stepsBase = off;
    // One step's block: x0, the output adjoint, then per layer gates, h, c.
    let s = 0;
    const takeS = (bytes: number): number => {
      const at = s;
      s = up(s + bytes, 64);
      return at;
    };
    x0Off = takeS(np * d0 * 4);
    adjOff = takeS(np * 4);
    for (const l of layers) {
      l.gatesOff = takeS(np * l.G * 4);
      l.hOff = takeS(np * l.hp * 4);
      l.cOff = takeS(np * l.hp * 4);
    }
    stepStride = s;
    ensureMemory(memory, stepsBase);
    views();
    const w = plan >>> 2;
    u32.fill(0, w, w + 24 + 24 * L);
    const head = [
      L,
      d0,
      np,
      stepsBase,
      stepStride,
      x0Off,
      adjOff,
      out,
      wo,
      0,
      0,
      dwo[0]!,
      dwo[1]!,
      dbo[0]!,
      dbo[1]!,
      scratch[0]!,
      scratch[1]!,
      last.hp,
    ];
    head.forEach((v, i) => (u32[w + i] = v));
    new Float32Array(u32.buffer, plan + 10 * 4, 1)[0] = scale;
    layers.forEach((l, li) => {
      const fields = [
        l.din,
        l.hp,
        l.G,
        l.kp,
        l.W,
        l.b,
        l.WT,
        l.hInit,
        l.cInit,
        l.dh,
        l.dc,
        l.gatesOff,
        l.hOff,
        l.cOff,
        l.dW[0]!,
        l.dW[1]!,
        l.db[0]!,
        l.db[1]!,
      ];
      fields.forEach((v, i) => (u32[w + 24 + 24 * li + i] = v));
    });
  };

  const stepBlock = (t: number): number => stepsBase + t * stepStride;
  const hAt = (l: Layer, t: number): number => (t < 0 ? l.hInit : stepBlock(t) + l.hOff);
  const cAt = (l: Layer, t: number): number => (t < 0 ? l.cInit : stepBlock(t) + l.cOff);

  const get = (phi: FlatMetaParams, key: string, size: number): Float32Array => {
    const a = phi[key];
    if (!a) throw new L2oError('SHAPE_MISMATCH', `fused lstm: meta-parameter "${key}" missing`);
    if (a.length !== size)
      throw new L2oError(
        'SHAPE_MISMATCH',
        `fused lstm: meta-parameter "${key}" has ${a.length} values; expected ${size}`,
      );
    return a;
  };

  const loadPhi = (phi: FlatMetaParams): void => {
    layers.forEach((l, li) => {
      const names = lstmParamNames(li);
      const H = l.H;
      const wx = get(phi, names.wx, l.dinReal * 4 * H);
      const wh = get(phi, names.wh, H * 4 * H);
      const b = get(phi, names.b, 4 * H);
      const kin = l.din + l.hp;
      const W = l.W >>> 2;
      f32.fill(0, W, W + kin * l.G);
      f32.fill(0, l.b >>> 2, (l.b >>> 2) + l.G);
      for (let q = 0; q < 4; q++) {
        for (let u = 0; u < H; u++) {
          const col = q * l.hp + u;
          const src = q * H + u;
          for (let i = 0; i < l.dinReal; i++) f32[W + i * l.G + col] = wx[i * 4 * H + src]!;
          for (let i = 0; i < H; i++) f32[W + (l.din + i) * l.G + col] = wh[i * 4 * H + src]!;
          f32[(l.b >>> 2) + col] = b[src]!;
        }
      }
      const WT = l.WT >>> 2;
      f32.fill(0, WT, WT + l.G * l.kp);
      for (let row = 0; row < kin; row++) {
        for (let col = 0; col < l.G; col++) f32[WT + col * l.kp + row] = f32[W + row * l.G + col]!;
      }
    });
    const last = layers[L - 1]!;
    const w = get(phi, OUTPUT_W, last.H);
    f32.fill(0, wo >>> 2, (wo >>> 2) + last.hp);
    f32.set(w, wo >>> 2);
    f32[(plan >>> 2) + 9] = get(phi, OUTPUT_B, 1)[0]!;
  };

  const loadState = (state: FlatLstmState | undefined): void => {
    layers.forEach((l, li) => {
      for (const [which, dst] of [
        ['h', l.hInit],
        ['c', l.cInit],
      ] as const) {
        const base = dst >>> 2;
        f32.fill(0, base, base + np * l.hp);
        if (!state) continue;
        const src = state[which][li];
        if (!src || src.length !== n * l.H) {
          throw new L2oError(
            'SHAPE_MISMATCH',
            `fused lstm: state.${which}[${li}] must hold ${n}×${l.H} values; got ${src?.length ?? 'none'}`,
          );
        }
        if (l.hp === l.H) f32.set(src, base);
        else for (let r = 0; r < n; r++) f32.set(src.subarray(r * l.H, (r + 1) * l.H), base + r * l.hp);
      }
    });
  };

  const api: FusedLstm = {
    config,
    threads: T,
    begin(rows: number, phi: FlatMetaParams, state?: FlatLstmState): void {
      if (!Number.isInteger(rows) || rows < 1)
        throw new L2oError('INVALID_OPTION', `fused lstm: n must be a positive integer; got ${rows}`);
      ready = false;
      layout(rows);
      loadPhi(phi);
      loadState(state);
      if (moments) {
        if (state?.stats && state.stats.length !== rows * MOMENT_STATS_SIZE) {
          throw new L2oError(
            'SHAPE_MISMATCH',
            `fused lstm: state.stats must hold ${rows}×${MOMENT_STATS_SIZE} values; got ${state.stats.length}`,
          );
        }
        stats = state?.stats ? Float32Array.from(state.stats) : new Float32Array(rows * MOMENT_STATS_SIZE);
      }
      steps = 0;
      ready = true;
    },
    step(grad: Float32Array): Float32Array {
      if (!ready) throw new L2oError('INVALID_STATE', 'fused lstm: call begin() before step()');
      if (grad.length !== n)
        throw new L2oError('SHAPE_MISMATCH', `fused lstm: gradient has ${grad.length} values; expected ${n}`);
      const t = steps;
      ensureMemory(memory, stepBlock(t + 1));
      views();
      const x0 = (stepBlock(t) + x0Off) >>> 2;
      if (logSign) {
        for (let r = 0; r < n; r++) {
          const g = grad[r]!;
          const a = Math.abs(g);
          if (a >= thr) {
            f32[x0 + 2 * r] = Math.fround(Math.log(a)) / p32;
            f32[x0 + 2 * r + 1] = g > 0 ? 1 : -1;
          } else {
            f32[x0 + 2 * r] = -1;
            f32[x0 + 2 * r + 1] = g * expP;
          }
        }
        f32.fill(0, x0 + 2 * n, x0 + 2 * np);
      } else if (moments) {
        writeMomentInputs(grad, stats, f32, x0, p);
        f32.fill(0, x0 + d0 * n, x0 + d0 * np);
      } else {
        f32.set(grad, x0);
        f32.fill(0, x0 + n, x0 + np);
      }
      if (T === 2) kernel.start('forward', [plan, t, split, np]);
      try {
        k.l2o_forward_rows(plan, t, 0, split);
      } finally {
        kernel.join();
      }
      steps = t + 1;
      return f32.slice(out >>> 2, (out >>> 2) + n);
    },
    get steps(): number {
      return steps;
    },
    state(): FlatLstmState {
      views();
      const res: FlatLstmState = moments ? { h: [], c: [], stats: stats.slice() } : { h: [], c: [] };
      for (const l of layers) {
        for (const [which, at] of [
          ['h', hAt(l, steps - 1)],
          ['c', cAt(l, steps - 1)],
        ] as const) {
          const base = at >>> 2;
          let a: Float32Array;
          if (l.hp === l.H) a = f32.slice(base, base + n * l.H);
          else {
            a = new Float32Array(n * l.H);
            for (let r = 0; r < n; r++) a.set(f32.subarray(base + r * l.hp, base + r * l.hp + l.H), r * l.H);
          }
          res[which].push(a);
        }
      }
      return res;
    },
    metaGradient(adjoints: readonly Float32Array[]): Record<string, Float32Array> {
      if (!ready) throw new L2oError('INVALID_STATE', 'fused lstm: call begin() and step() before metaGradient()');
      if (adjoints.length !== steps) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `fused lstm: metaGradient needs one adjoint per step (${steps}); got ${adjoints.length}`,
        );
      }
      views();
      adjoints.forEach((a, s) => {
        if (a.length !== n)
          throw new L2oError('SHAPE_MISMATCH', `fused lstm: adjoint ${s} has ${a.length} values; expected ${n}`);
        const at = (stepBlock(s) + adjOff) >>> 2;
        f32.set(a, at);
        f32.fill(0, at + n, at + np);
      });
      if (T === 2) kernel.start('backward', [plan, steps, split, np, 1]);
      try {
        k.l2o_backward_rows(plan, steps, 0, split, 0);
      } finally {
        kernel.join();
      }
      const sum = (addr: readonly number[], i: number): number => {
        let v = f64[(addr[0]! >>> 3) + i]!;
        if (T === 2) v += f64[(addr[1]! >>> 3) + i]!;
        return v;
      };
      const res: Record<string, Float32Array> = {};
      layers.forEach((l, li) => {
        const names = lstmParamNames(li);
        const H = l.H;
        const wx = new Float32Array(l.dinReal * 4 * H);
        const wh = new Float32Array(H * 4 * H);
        const b = new Float32Array(4 * H);
        for (let q = 0; q < 4; q++) {
          for (let u = 0; u < H; u++) {
            const col = q * l.hp + u;
            const dst = q * H + u;
            for (let i = 0; i < l.dinReal; i++) wx[i * 4 * H + dst] = sum(l.dW, i * l.G + col);
            for (let i = 0; i < H; i++) wh[i * 4 * H + dst] = sum(l.dW, (l.din + i) * l.G + col);
            b[dst] = sum(l.db, col);
          }
        }
        res[names.wx] = wx;
        res[names.wh] = wh;
        res[names.b] = b;
      });
      const last = layers[L - 1]!;
      const w = new Float32Array(last.H);
      for (let u = 0; u < last.H; u++) w[u] = sum(dwo, u);
      res[OUTPUT_W] = w;
      res[OUTPUT_B] = Float32Array.of(sum(dbo, 0));
      return res;
    },
    get memoryBytes(): number {
      return memory.buffer.byteLength;
    },
    dispose(): void {
      ready = false;
      kernel.dispose();
    },
  };
  return api;
}

/**
 * The output adjoints of one unroll: G_s = Σ_{k=s}^{K−1} w_k ∇_{k+1}, for L = Σ_k w_k f(θ_{k+1}) with
 * θ_{k+1} = θ_k + u_k and the gradients ∇ treated as constants. `next[k]` is ∇_{k+1} (k = 0…K−1).
 * Accumulated in float64.
 */
export function suffixAdjoints(next: readonly Float32Array[], weights: readonly number[]): Float32Array[] {
  const K = next.length;
  if (weights.length !== K)
    throw new L2oError('SHAPE_MISMATCH', `suffixAdjoints: weights has ${weights.length} entries; expected ${K}`);
  if (K === 0) return [];
  const n = next[0]!.length;
  const acc = new Float64Array(n);
  const out: Float32Array[] = new Array<Float32Array>(K);
  for (let s = K - 1; s >= 0; s--) {
    const g = next[s]!;
    if (g.length !== n)
      throw new L2oError('SHAPE_MISMATCH', `suffixAdjoints: gradient ${s + 1} has ${g.length} values; expected ${n}`);
    const w = weights[s]!;
    if (w !== 0) for (let i = 0; i < n; i++) acc[i]! += w * g[i]!;
    out[s] = Float32Array.from(acc);
  }
  return out;
}
