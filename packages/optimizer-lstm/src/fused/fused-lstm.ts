import { lstmInputSize, preprocessingHasStats, type LstmConfig } from '../config.js';
import { MOMENT_STATS_SIZE, writeMomentInputs } from '../moment-features.js';
import { OUTPUT_B, OUTPUT_W, lstmParamNames } from '../meta-params.js';
import {
  KERNEL_CALLS,
  type KernelCall,
  ensureMemory,
  instantiateLstmKernel,
  resetWorkCounter,
  rowChunk,
} from './wasm-kernel.js';
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
  /**
   * One optimizer step: the preprocessed gradient (and, with `extraInputs`, the `extra` columns [n × extraInputs]
   * row-major appended to it) through the LSTM layers and the output layer. Returns output 0 as a fresh array.
   */
  step(grad: Float32Array, extra?: Float32Array): Float32Array;
  /** Every output of the last step (one fresh array of n per output; see `outputs` in {@link FusedLstmOptions}). */
  outputs(): Float32Array[];
  /**
   * The unroll's backward one step at a time, last step first (s = steps − 1 … 0), for controllers whose output
   * adjoints depend on the backward of later steps (NTM-BFGS's memory): `adjoints` holds one array of n per output;
   * returns the adjoint of the step's extra inputs [n × extraInputs] row-major. Then {@link backwardResult}.
   */
  backwardStep(s: number, adjoints: readonly Float32Array[]): Float32Array;
  /** dφ of the stepwise backward, once every step down to 0 has run. */
  backwardResult(): Record<string, Float32Array>;
  /** Steps taken since `begin`. */
  readonly steps: number;
  /** The state after the last step (the start state if none), as fresh arrays. */
  state(): FlatLstmState;
  /** dφ = Σ_s adjoints[s]ᵀ ∂u_s/∂φ over the steps of this unroll (adjoints.length must equal `steps`). */
  metaGradient(adjoints: readonly Float32Array[]): Record<string, Float32Array>;
  /**
   * Row averaging for this unroll (LSTM+GAC's global averaging cells): after every step of layer l, the first
   * `columns[l]` columns of its h are replaced by their mean over each group of consecutive rows (`groups`: sizes
   * summing to n); that averaged h feeds the layer above and is the recurrent h of the next step (c is not
   * averaged). The map is linear and symmetric, so the backward applies the same means to the adjoints of those
   * columns. Call after `begin` and before the first step; `begin` resets it to none. All columns 0 = none.
   */
  averageRows(columns: readonly number[], groups: readonly number[]): void;
  /** Bytes of wasm memory this runner holds. */
  readonly memoryBytes: number;
  /** Threads the kernel runs on (1, or 2 with a worker_thread). */
  readonly threads: 1 | 2;
  /** Stops the helper thread; the runner must not be used afterwards (its memory is freed with it). */
  dispose(): void;
}

const BWD_RC = 32; // must match lstm-kernel.c
/** About how many chunks the rows of one forward step / of the whole backward are shared out in (2 threads). */
const FORWARD_PIECES = 64;
const BACKWARD_PIECES = 128;
/** Most bytes the backward's per-chunk accumulator records take (fewer, larger chunks for wide LSTMs). */
const RECORDS_BYTES = 32 * 2 ** 20;
/** Float64 words of the call list the helper thread reads (at most 18 words per call; flushed when full). */
const CALL_WORDS = 64 * 18;
const CALL_ID: Readonly<Record<KernelCall, number>> = Object.fromEntries(KERNEL_CALLS.map((c, i) => [c, i])) as Record<
  KernelCall,
  number
>;
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
  /** Columns appended to the preprocessed gradient as inputs of layer 0, given at every step (default 0). */
  readonly extraInputs?: number;
  /**
   * The output layer: φ names of its weights [H_last, count] and bias [count], the number of outputs and their
   * scale. Default: `output/w`, `output/b`, 1 output, times the config's `outputScale` (the LSTM optimizer).
   */
  readonly outputs?: { readonly w: string; readonly b: string; readonly count: number; readonly scale: number };
}

/**
 * A fused-kernel runner for `config`. Holds one WebAssembly instance whose memory grows to fit the largest
 * unroll seen and is reused afterwards (first touches of fresh pages are slow).
 */
export function createFusedLstm(config: LstmConfig, options: FusedLstmOptions = {}): FusedLstm {
  const threads = options.threads ?? 1;
  if (threads !== 1 && threads !== 2)
    throw new L2oError('INVALID_OPTION', `fused lstm: threads must be 1 or 2; got ${String(threads)}`);
  const E = options.extraInputs ?? 0;
  const outSpec = options.outputs ?? { w: OUTPUT_W, b: OUTPUT_B, count: 1, scale: config.outputScale };
  const O = outSpec.count;
  if (!Number.isInteger(E) || E < 0)
    throw new L2oError('INVALID_OPTION', `fused lstm: extraInputs must be an integer ≥ 0; got ${String(E)}`);
  if (!Number.isInteger(O) || O < 1)
    throw new L2oError('INVALID_OPTION', `fused lstm: outputs.count must be an integer ≥ 1; got ${String(O)}`);
  // Extra inputs or several outputs: always layer by layer (the whole-step kernels assume one output, no extras).
  const layered = E > 0 || O > 1;
  const kernel = instantiateLstmKernel(threads);
  const k = kernel.exports;
  const memory = kernel.memory;
  const L = config.hiddenSizes.length;
  const dPre = lstmInputSize(config);
  const d0 = dPre + E;
  const p = config.p;
  const logSign = config.preprocessing === 'log-sign';
  const moments = preprocessingHasStats(config);
  let stats = new Float32Array(0);
  const thr = Math.fround(Math.exp(-p));
  const expP = Math.fround(Math.exp(p));
  const p32 = Math.fround(p);
  const scale = outSpec.scale;

  let n = 0;
  let np = 0;
  let split = 0; // rows [0, split) on this thread, [split, np) on the helper
  let layers: Layer[] = [];
  let plan = 0;
  // Per output o: weights wos[o] [hp], accumulators dwos[o][thread], dbos[o][thread], result outs[o] [np],
  // adjoint adjOffs[o] within a step's block; output 0's are also the plan's (the whole-step kernels').
  let wos: number[] = [];
  let dwos: number[][] = [];
  let dbos: number[][] = [];
  let outs: number[] = [];
  const bos = new Float32Array(O);
  let dx0 = 0; // [np, d0]: the input adjoint of one step (extra inputs)
  let stepsBase = 0;
  let stepStride = 0;
  let x0Off = 0;
  let adjOffs: number[] = [];
  let steps = 0;
  let bwdNext = -1; // the step the stepwise backward expects next (−1: none running)
  let bwdDone = false; // the stepwise backward reached step 0 since the last step()
  let ready = false;
  let scratch: number[] = [];
  let callsAt = 0;
  let rawAt = 0; // [np] the raw gradient of a step, preprocessed by the kernel (log/sign, whole-step path)
  let bwdChunk = 4; // rows per chunk of the whole-unroll backward
  let bwdRecords = 1; // its accumulator records (one per chunk)
  // Row averaging (undefined: none, the plain LSTM path).
  let avgColumns: number[] | undefined;
  let avgGroups: number[] = [];
  // Averaging buffers, between the fixed layout and the steps: group offsets (int32), per-thread sums (double),
  // means (float).
  let fixedEnd = 0;
  let avgOfs = 0;
  let avgAcc: number[] = [];
  let avgMean = 0;

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
    wos = Array.from({ length: O }, () => take(last.hp * 4));
    dwos = Array.from({ length: O }, () => [take(last.hp * 8), take(last.hp * 8)]);
    dbos = Array.from({ length: O }, () => [take(8), take(8)]);
    outs = Array.from({ length: O }, () => take(np * 4));
    dx0 = take(np * d0 * 4);
    const gMax = Math.max(...layers.map((l) => l.G));
    const kpMax = Math.max(...layers.map((l) => l.kp));
    const scratchBytes = (Math.max(BWD_RC * (gMax + 2 * kpMax), last.hp) + 32) * 4;
    scratch = [take(scratchBytes), take(scratchBytes)];
    callsAt = take(CALL_WORDS * 8);
    rawAt = take(np * 4);
    // The whole-unroll backward's accumulator records, one per chunk of rows (l2o_backward_shared).
    const recordDoubles = layers.reduce((a, l) => a + (l.din + l.hp + 1) * l.G, 0) + last.hp + 1;
    const pieces = Math.min(BACKWARD_PIECES, Math.max(16, Math.floor(RECORDS_BYTES / (recordDoubles * 8))));
    bwdChunk = rowChunk(np, pieces);
    bwdRecords = Math.ceil(np / bwdChunk);
    const records = take(bwdRecords * recordDoubles * 8);
    fixedEnd = off;
    stepsBase = off;
    // One step's block: x0, the output adjoint, then per layer gates, h, c.
    let s = 0;
    const takeS = (bytes: number): number => {
      const at = s;
      s = up(s + bytes, 64);
      return at;
    };
    x0Off = takeS(np * d0 * 4);
    adjOffs = Array.from({ length: O }, () => takeS(np * 4));
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
      adjOffs[0]!,
      outs[0]!,
      wos[0]!,
      0,
      0,
      dwos[0]![0]!,
      dwos[0]![1]!,
      dbos[0]![0]!,
      dbos[0]![1]!,
      scratch[0]!,
      scratch[1]!,
      last.hp,
    ];
    head.forEach((v, i) => (u32[w + i] = v));
    u32[w + 21] = records;
    new Float32Array(u32.buffer, plan + 19 * 4, 1)[0] = p32;
    new Float32Array(u32.buffer, plan + 22 * 4, 2).set([thr, expP]);
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
    if (k.l2o_acc_record_doubles(plan) !== recordDoubles)
      throw new L2oError('INVALID_STATE', 'fused lstm: the kernel and its caller disagree on the accumulator records');
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
    const w = get(phi, outSpec.w, last.H * O);
    const bias = get(phi, outSpec.b, O);
    for (let o = 0; o < O; o++) {
      const at = wos[o]! >>> 2;
      f32.fill(0, at, at + last.hp);
      for (let u = 0; u < last.H; u++) f32[at + u] = w[u * O + o]!;
      bos[o] = bias[o]!;
    }
    f32[(plan >>> 2) + 9] = bos[0]!;
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

  // Row ranges per thread: 0 = this thread [0, split), 1 = the helper [split, np).
  const ranges = (): Array<[number, number]> =>
    T === 2
      ? [
          [0, split],
          [split, np],
        ]
      : [[0, np]];
  const lists: number[][] = [[], []];
  /** Runs the queued calls: the helper's on its thread, this thread's here, then waits for both. */
  const flush = (): void => {
    const mine = lists[0]!;
    const theirs = lists[1]!;
    if (mine.length === 0 && theirs.length === 0) return;
    views();
    let started = false;
    if (T === 2 && theirs.length > 0) {
      f64.set(theirs, callsAt >>> 3);
      kernel.start('calls', [callsAt, theirs.length]);
      started = true;
    }
    try {
      const fns = k as unknown as Record<KernelCall, (...a: number[]) => void>;
      for (let i = 0; i < mine.length; i += 2 + mine[i + 1]!) {
        fns[KERNEL_CALLS[mine[i]!]!](...mine.slice(i + 2, i + 2 + mine[i + 1]!));
      }
    } finally {
      if (started) kernel.join();
      lists[0] = [];
      lists[1] = [];
    }
  };
  /** Queues `fn(args)` for thread `th` (flushing first when the helper's list is full). */
  const call = (th: number, fn: KernelCall, args: readonly number[]): void => {
    if (lists[th]!.length + 2 + args.length > CALL_WORDS) flush();
    lists[th]!.push(CALL_ID[fn], args.length, ...args);
  };
  /**
   * The averaging map A on the first `cols` columns of the [np, hp] array at byte offset `at` (real rows only):
   * each thread sums its rows per group, the sums meet here, each thread writes the means into its rows.
   */
  const average = (at: number, hp: number, cols: number): void => {
    const ng = avgGroups.length;
    const used = ranges().map(([a, b], th) => {
      if (b > a) call(th, 'l2o_sum_rows', [at, hp, cols, avgOfs, ng, a, b, avgAcc[th]!]);
      return b > a;
    });
    flush();
    views();
    const m = avgMean >>> 2;
    for (let g = 0; g < ng; g++) {
      for (let j = 0; j < cols; j++) {
        let sum = 0;
        used.forEach((u, th) => {
          if (u) sum += f64[(avgAcc[th]! >>> 3) + g * cols + j]!;
        });
        f32[m + g * cols + j] = sum / avgGroups[g]!;
      }
    }
    ranges().forEach(([a, b], th) => {
      if (b > a) call(th, 'l2o_fill_rows', [at, hp, cols, avgOfs, ng, a, b, avgMean]);
    });
  };

  /** One forward step with row averaging: layer by layer, the rows' means taken between layers. */
  const forwardAveraged = (t: number, cols: readonly number[]): void => {
    const blk = stepBlock(t);
    let x = blk + x0Off;
    layers.forEach((l, li) => {
      const h = blk + l.hOff;
      ranges().forEach(([a, b], th) => {
        if (b <= a) return;
        call(th, 'l2o_fwd_layer', [
          b - a,
          l.din,
          l.hp,
          x + a * l.din * 4,
          hAt(l, t - 1) + a * l.hp * 4,
          cAt(l, t - 1) + a * l.hp * 4,
          l.W,
          l.b,
          blk + l.gatesOff + a * l.G * 4,
          h + a * l.hp * 4,
          blk + l.cOff + a * l.hp * 4,
        ]);
      });
      if (cols[li]! > 0) average(h, l.hp, cols[li]!);
      x = h;
    });
    const last = layers[L - 1]!;
    for (let o = 0; o < O; o++) {
      ranges().forEach(([a, b], th) => {
        if (b > a)
          call(th, 'l2o_fwd_output', [b - a, last.hp, x + a * last.hp * 4, wos[o]!, bos[o]!, scale, outs[o]! + a * 4]);
      });
    }
    flush();
  };

  /** Zeroes dφ's accumulators and the carried adjoints dh, dc (the start of a layer-by-layer backward). */
  const zeroAccumulators = (): void => {
    views();
    for (let th = 0; th < T; th++) {
      for (const l of layers) {
        const words = (l.din + l.hp) * l.G;
        f64.fill(0, l.dW[th]! >>> 3, (l.dW[th]! >>> 3) + words);
        f64.fill(0, l.db[th]! >>> 3, (l.db[th]! >>> 3) + l.G);
      }
      for (let o = 0; o < O; o++) {
        f64.fill(0, dwos[o]![th]! >>> 3, (dwos[o]![th]! >>> 3) + layers[L - 1]!.hp);
        f64[dbos[o]![th]! >>> 3] = 0;
      }
    }
    for (const l of layers) {
      f32.fill(0, l.dh >>> 2, (l.dh >>> 2) + np * l.hp);
      f32.fill(0, l.dc >>> 2, (l.dc >>> 2) + np * l.hp);
    }
  };

  /**
   * One step of the backward layer by layer (what l2o_backward_shared does for one step, with the row averaging A on
   * the averaged adjoints, every output, and with extra inputs the input adjoint into `dx0`). Queued; flush after.
   */
  const backwardStepAt = (s: number, cols: readonly number[]): void => {
    const top = layers[L - 1]!;
    const blk = stepBlock(s);
    for (let o = 0; o < O; o++) {
      ranges().forEach(([a, b], th) => {
        if (b <= a) return;
        call(th, 'l2o_bwd_output', [
          b - a,
          top.hp,
          blk + top.hOff + a * top.hp * 4,
          blk + adjOffs[o]! + a * 4,
          scale,
          wos[o]!,
          top.dh + a * top.hp * 4,
          dwos[o]![th]!,
          dbos[o]![th]!,
          scratch[th]!,
        ]);
      });
    }
    for (let li = L - 1; li >= 0; li--) {
      const l = layers[li]!;
      if (cols[li]! > 0) average(l.dh, l.hp, cols[li]!);
      const x = li > 0 ? blk + layers[li - 1]!.hOff : blk + x0Off;
      const dx = li > 0 ? layers[li - 1]!.dh : E > 0 ? dx0 : 0;
      ranges().forEach(([a, b], th) => {
        if (b <= a) return;
        call(th, 'l2o_bwd_layer', [
          b - a,
          l.din,
          l.hp,
          x + a * l.din * 4,
          hAt(l, s - 1) + a * l.hp * 4,
          cAt(l, s - 1) + a * l.hp * 4,
          blk + l.gatesOff + a * l.G * 4,
          blk + l.cOff + a * l.hp * 4,
          l.dh + a * l.hp * 4,
          l.dc + a * l.hp * 4,
          l.WT,
          l.kp,
          dx === 0 ? 0 : dx + a * l.din * 4,
          l.dW[th]!,
          l.db[th]!,
          scratch[th]!,
        ]);
      });
    }
  };
  const noAveraging: readonly number[] = config.hiddenSizes.map(() => 0);

  /** Writes the adjoint of output `o` at step `s` (n values; the padding rows get zeros). */
  const writeAdjoint = (s: number, o: number, a: Float32Array, what: string): void => {
    if (a.length !== n)
      throw new L2oError('SHAPE_MISMATCH', `fused lstm: ${what} has ${a.length} values; expected ${n}`);
    const at = (stepBlock(s) + adjOffs[o]!) >>> 2;
    f32.set(a, at);
    f32.fill(0, at + n, at + np);
  };

  /** dφ from the accumulators (both threads' added up), keyed like φ. */
  const collect = (): Record<string, Float32Array> => {
    views();
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
    const w = new Float32Array(last.H * O);
    const bias = new Float32Array(O);
    for (let o = 0; o < O; o++) {
      for (let u = 0; u < last.H; u++) w[u * O + o] = sum(dwos[o]!, u);
      bias[o] = sum(dbos[o]!, 0);
    }
    res[outSpec.w] = w;
    res[outSpec.b] = bias;
    return res;
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
      bwdNext = -1;
      bwdDone = false;
      avgColumns = undefined;
      avgGroups = [];
      ready = true;
    },
    averageRows(columns: readonly number[], groups: readonly number[]): void {
      if (!ready) throw new L2oError('INVALID_STATE', 'fused lstm: call begin() before averageRows()');
      if (steps > 0) throw new L2oError('INVALID_STATE', 'fused lstm: averageRows() must come before the first step');
      checkAveragedColumns(columns, config.hiddenSizes, 'fused lstm');
      checkRowGroups(groups, n, 'fused lstm');
      const on = columns.some((c) => c > 0);
      avgColumns = on ? [...columns] : undefined;
      avgGroups = on ? [...groups] : [];
      if (on) {
        // The buffers go between the fixed layout and the steps (none recorded yet, so the steps can move).
        const ng = groups.length;
        const cmax = Math.max(...columns);
        avgOfs = fixedEnd;
        avgAcc = [up(avgOfs + (ng + 1) * 4, 64), 0];
        avgAcc[1] = up(avgAcc[0]! + ng * cmax * 8, 64);
        avgMean = up(avgAcc[1] + ng * cmax * 8, 64);
        stepsBase = up(avgMean + ng * cmax * 4, 64);
        ensureMemory(memory, stepsBase);
        views();
        const ofs = new Int32Array(memory.buffer, avgOfs, ng + 1);
        ofs[0] = 0;
        groups.forEach((size, g) => (ofs[g + 1] = ofs[g]! + size));
        u32[(plan >>> 2) + 3] = stepsBase;
      }
    },
    step(grad: Float32Array, extra?: Float32Array): Float32Array {
      if (!ready) throw new L2oError('INVALID_STATE', 'fused lstm: call begin() before step()');
      if (grad.length !== n)
        throw new L2oError('SHAPE_MISMATCH', `fused lstm: gradient has ${grad.length} values; expected ${n}`);
      if ((extra?.length ?? 0) !== n * E) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `fused lstm: extra inputs hold ${extra?.length ?? 0} values; expected ${n}×${E}`,
        );
      }
      if (bwdNext >= 0) throw new L2oError('INVALID_STATE', 'fused lstm: step() during a stepwise backward');
      const t = steps;
      ensureMemory(memory, stepBlock(t + 1));
      views();
      const x0 = (stepBlock(t) + x0Off) >>> 2;
      const whole = !(avgColumns || layered);
      // log/sign on the whole-step path: the raw gradient goes in, each thread preprocesses its own rows (SIMD).
      const inKernel = logSign && E === 0 && whole;
      u32[(plan >>> 2) + 18] = inKernel ? rawAt : 0;
      // The preprocessed gradient, dPre columns per row; with extra inputs into a scratch array first.
      const dst = E > 0 ? new Float32Array(n * dPre) : f32;
      const base = E > 0 ? 0 : x0;
      if (inKernel) {
        f32.set(grad, rawAt >>> 2);
        f32.fill(0, (rawAt >>> 2) + n, (rawAt >>> 2) + np);
      } else if (logSign) {
        for (let r = 0; r < n; r++) {
          const g = grad[r]!;
          const a = Math.abs(g);
          if (a >= thr) {
            dst[base + 2 * r] = Math.fround(Math.log(a)) / p32;
            dst[base + 2 * r + 1] = g > 0 ? 1 : -1;
          } else {
            dst[base + 2 * r] = -1;
            dst[base + 2 * r + 1] = g * expP;
          }
        }
      } else if (moments) writeMomentInputs(grad, stats, dst, base, p);
      else dst.set(grad, base);
      if (E > 0) {
        const ex = extra!;
        for (let r = 0, o = x0, i = 0, e = 0; r < n; r++) {
          for (let j = 0; j < dPre; j++) f32[o++] = dst[i++]!;
          for (let j = 0; j < E; j++) f32[o++] = ex[e++]!;
        }
      }
      if (!inKernel) f32.fill(0, x0 + d0 * n, x0 + d0 * np);
      if (!whole) forwardAveraged(t, avgColumns ?? noAveraging);
      else {
        if (T === 2) {
          const chunk = rowChunk(np, FORWARD_PIECES);
          resetWorkCounter(u32, plan);
          kernel.start('forward', [plan, t, chunk, np]);
          try {
            k.l2o_forward_shared(plan, t, chunk, np);
          } finally {
            kernel.join();
          }
        } else k.l2o_forward_rows(plan, t, 0, np);
      }
      steps = t + 1;
      bwdDone = false;
      return f32.slice(outs[0]! >>> 2, (outs[0]! >>> 2) + n);
    },
    outputs(): Float32Array[] {
      views();
      return outs.map((at) => f32.slice(at >>> 2, (at >>> 2) + n));
    },
    backwardStep(s: number, adjoints: readonly Float32Array[]): Float32Array {
      if (!ready || steps === 0)
        throw new L2oError('INVALID_STATE', 'fused lstm: call begin() and step() before backwardStep()');
      const expected = bwdNext >= 0 ? bwdNext : steps - 1;
      if (s !== expected) {
        throw new L2oError(
          'INVALID_STATE',
          `fused lstm: backwardStep goes from the last step down; expected step ${expected}, got ${s}`,
        );
      }
      if (adjoints.length !== O)
        throw new L2oError('SHAPE_MISMATCH', `fused lstm: backwardStep needs ${O} adjoints; got ${adjoints.length}`);
      if (bwdNext < 0) zeroAccumulators();
      views();
      adjoints.forEach((a, o) => writeAdjoint(s, o, a, `adjoint of output ${o}`));
      if (E > 0) f32.fill(0, dx0 >>> 2, (dx0 >>> 2) + np * d0);
      backwardStepAt(s, avgColumns ?? noAveraging);
      flush();
      bwdNext = s - 1;
      bwdDone = s === 0;
      const dExtra = new Float32Array(n * E);
      const at = dx0 >>> 2;
      for (let r = 0, e = 0; r < n && E > 0; r++)
        for (let j = 0; j < E; j++) dExtra[e++] = f32[at + r * d0 + dPre + j]!;
      return dExtra;
    },
    backwardResult(): Record<string, Float32Array> {
      if (!bwdDone)
        throw new L2oError('INVALID_STATE', 'fused lstm: backwardResult() before backwardStep() reached step 0');
      return collect();
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
      if (O !== 1 || E > 0) {
        throw new L2oError(
          'INVALID_STATE',
          'fused lstm: with several outputs or extra inputs use backwardStep() and backwardResult()',
        );
      }
      if (adjoints.length !== steps) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `fused lstm: metaGradient needs one adjoint per step (${steps}); got ${adjoints.length}`,
        );
      }
      views();
      adjoints.forEach((a, s) => writeAdjoint(s, 0, a, `adjoint ${s}`));
      if (avgColumns) {
        zeroAccumulators();
        for (let s = steps - 1; s >= 0; s--) backwardStepAt(s, avgColumns);
        flush();
      } else {
        // Chunks of rows shared out between the threads, each chunk into its own record, the records added up in
        // order: the same bits whichever thread ran which chunk, on 1 thread or 2.
        resetWorkCounter(u32, plan);
        if (T === 2) kernel.start('backward', [plan, steps, bwdChunk, np, 1]);
        try {
          k.l2o_backward_shared(plan, steps, bwdChunk, np, 0);
        } finally {
          kernel.join();
        }
        k.l2o_reduce_records(plan, bwdRecords);
      }
      return collect();
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
 * Replaces the first `cols` entries of every row of the row-major array at `f32[base…]` (row stride `stride`) by
 * their mean over each group of consecutive rows (`groups`: sizes, from row 0); rows after the groups are left
 * alone (the kernel's padding). Sums in float64, means rounded to float32.
 */
export function averageRowGroups(
  f32: Float32Array,
  base: number,
  stride: number,
  cols: number,
  groups: readonly number[],
): void {
  if (cols === 0) return;
  const acc = new Float64Array(cols);
  let r0 = 0;
  for (const size of groups) {
    acc.fill(0);
    for (let r = r0, o = base + r0 * stride; r < r0 + size; r++, o += stride) {
      for (let j = 0; j < cols; j++) acc[j]! += f32[o + j]!;
    }
    for (let j = 0; j < cols; j++) acc[j] = Math.fround(acc[j]! / size);
    for (let r = r0, o = base + r0 * stride; r < r0 + size; r++, o += stride) {
      for (let j = 0; j < cols; j++) f32[o + j] = acc[j]!;
    }
    r0 += size;
  }
}

/** Throws unless `groups` are positive integers summing to `n`. */
export function checkRowGroups(groups: readonly number[], n: number, where: string): void {
  if (
    !Array.isArray(groups) ||
    groups.some((g) => !Number.isInteger(g) || g < 1) ||
    groups.reduce((a, b) => a + b, 0) !== n
  ) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: averaging groups must be positive integers summing to the ${n} coordinates; got [${[...(groups ?? [])].join(', ')}]`,
    );
  }
}

/** Throws unless `columns` has one integer in [0, hiddenSizes[l]] per layer. */
export function checkAveragedColumns(columns: readonly number[], hiddenSizes: readonly number[], where: string): void {
  if (
    !Array.isArray(columns) ||
    columns.length !== hiddenSizes.length ||
    !columns.every((c, l) => Number.isInteger(c) && c >= 0 && c <= hiddenSizes[l]!)
  ) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: averaging columns must be ${hiddenSizes.length} integers, entry l in [0, hiddenSizes[l]] ` +
        `(hiddenSizes [${hiddenSizes.join(', ')}]); got [${[...(columns ?? [])].join(', ')}]`,
    );
  }
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
