import * as tf from '@tensorflow/tfjs';
import { mapSize, orderedKeys } from '@l2o/core/extend';
import { L2oError, type Optimizer, type TensorMap } from '@l2o/core';
import { lstmInputSize, preprocessingHasStats, type LstmConfig } from '../config.js';
import { MOMENT_STATS_SIZE, writeMomentInputs } from '../moment-features.js';
import { OUTPUT_B, OUTPUT_W, checkLstmMetaParams, lstmParamNames } from '../meta-params.js';
import { checkLstmState, lstmZeroState, type LstmState } from '../lstm-optimizer.js';
import {
  ensureMemory,
  instantiateLstmKernel,
  kernelThreadsAvailable,
  type LstmKernel,
  resetWorkCounter,
  rowChunk,
} from './wasm-kernel.js';
import { averageRowGroups, checkAveragedColumns, checkRowGroups } from './fused-lstm.js';
import type { FusedRowAveraging } from './fused-unroll.js';

/** About how many chunks the rows of one update are shared out in between the two threads. */
const INFER_PIECES = 64;

/**
 * The coordinatewise LSTM optimizer for evaluation, run by the fused WebAssembly kernel's forward step
 * (`l2o_infer_rows`: no activations saved, state updated in place in kernel memory). Same `init` / `update`
 * contract and, within float32 tolerance, the same updates and state as `lstmOptimizer(config).withMetaParams(phi)`;
 * not differentiable in φ. Large updates run on two threads where Node's helper threads are registered
 * (`threads: 'auto'`, the default); `threads: 1 | 2` fixes it.
 *
 * Memory: one pooled kernel per config (updates are synchronous, so one suffices however many of these
 * optimizers exist), whose memory is φ plus (d_in + 1 + 2 Σ H_l) floats per coordinate of the largest
 * problem seen; {@link releaseFusedLstmInferenceKernels} drops it.
 */

const up = (x: number, m: number): number => Math.ceil(x / m) * m;

/** Where one layer's φ sits in the kernel (byte offsets) and its sizes. */
interface LayerLayout {
  H: number;
  hp: number; // H rounded up to 4
  dinReal: number;
  din: number; // padded input width
  G: number; // 4 hp
  W: number; // [(din + hp), G]
  b: number; // [G]
}

/** The n-independent part of the kernel memory: plan, φ, scratch. */
interface StaticLayout {
  L: number;
  d0: number;
  plan: number;
  phiStart: number; // the φ block [phiStart, phiEnd) (W, b of every layer, wo, bo)
  phiEnd: number;
  layers: LayerLayout[];
  wo: number;
  bo: number;
  scratch: [number, number]; // gates of one 4-row group, per thread
  layerPlans: number[]; // one single-layer plan per layer (row averaging runs the layers one by one)
  zeros: number; // H_max + 4 zero floats: the output weights of a single-layer plan whose output is not used
  end: number; // where the per-coordinate buffers start
}

function staticLayout(config: LstmConfig, heapBase: number): StaticLayout {
  let off = up(heapBase, 64);
  const take = (bytes: number): number => {
    const at = off;
    off = up(off + bytes, 64);
    return at;
  };
  const L = config.hiddenSizes.length;
  const d0 = lstmInputSize(config);
  const plan = take((24 + 24 * L) * 4);
  const phiStart = off;
  let din = d0;
  let dinReal = d0;
  const layers = config.hiddenSizes.map((H): LayerLayout => {
    const hp = up(H, 4);
    const G = 4 * hp;
    const l: LayerLayout = { H, hp, dinReal, din, G, W: take((din + hp) * G * 4), b: take(G * 4) };
    din = hp;
    dinReal = H;
    return l;
  });
  const wo = take(layers[L - 1]!.hp * 4);
  const bo = take(4);
  const phiEnd = off;
  const gMax = Math.max(...layers.map((l) => l.G));
  const scratch: [number, number] = [take(4 * gMax * 4), take(4 * gMax * 4)];
  const layerPlans = layers.map(() => take(48 * 4));
  const zeros = take((gMax / 4 + 4) * 4);
  return { L, d0, plan, phiStart, phiEnd, layers, wo, bo, scratch, layerPlans, zeros, end: off };
}

/** φ in the kernel's layout: the bytes [phiStart, phiEnd) as floats (gate blocks padded to hp columns). */
function packPhi(phi: TensorMap, s: StaticLayout): Float32Array {
  const packed = new Float32Array((s.phiEnd - s.phiStart) >>> 2);
  const at = (byteOffset: number): number => (byteOffset - s.phiStart) >>> 2;
  const read = (k: string): Float32Array => phi[k]!.dataSync() as Float32Array;
  s.layers.forEach((l, li) => {
    const names = lstmParamNames(li);
    const wx = read(names.wx);
    const wh = read(names.wh);
    const b = read(names.b);
    const W = at(l.W);
    const H = l.H;
    for (let q = 0; q < 4; q++) {
      for (let u = 0; u < H; u++) {
        const col = q * l.hp + u;
        const src = q * H + u;
        for (let i = 0; i < l.dinReal; i++) packed[W + i * l.G + col] = wx[i * 4 * H + src]!;
        for (let i = 0; i < H; i++) packed[W + (l.din + i) * l.G + col] = wh[i * 4 * H + src]!;
        packed[at(l.b) + col] = b[src]!;
      }
    }
  });
  packed.set(read(OUTPUT_W), at(s.wo));
  packed[at(s.bo)] = read(OUTPUT_B)[0]!;
  return packed;
}

/** A pooled kernel and what its memory currently holds. */
interface InferenceKernel {
  readonly kernel: LstmKernel;
  readonly layout: StaticLayout;
  /** The packed φ loaded into the φ block (identity: one per inference optimizer). */
  phi: Float32Array | undefined;
  /** The tensors (an update's output state) whose values the state buffers hold, for `rows` coordinates. */
  held: { rows: number; tensors: readonly tf.Tensor[] } | undefined;
}

const pools = new Map<string, InferenceKernel[]>();
const poolKey = (config: LstmConfig, threads: 1 | 2): string => `${threads}:${JSON.stringify(config)}`;

function acquire(config: LstmConfig, threads: 1 | 2): InferenceKernel {
  const found = pools.get(poolKey(config, threads))?.pop();
  if (found) return found;
  const kernel = instantiateLstmKernel(threads);
  return {
    kernel,
    layout: staticLayout(config, Number(kernel.exports.__heap_base.value)),
    phi: undefined,
    held: undefined,
  };
}

function release(config: LstmConfig, k: InferenceKernel): void {
  const key = poolKey(config, k.kernel.threads);
  const list = pools.get(key) ?? [];
  list.push(k);
  pools.set(key, list);
}

/**
 * Drops the pooled inference kernels (each holds the wasm memory of the largest problem it ran, and with
 * 2 threads a worker_thread). Inference optimizers made before keep working: they get a new kernel on demand.
 */
export function releaseFusedLstmInferenceKernels(): void {
  for (const list of pools.values()) for (const k of list.splice(0)) k.kernel.dispose();
}

/** Bytes of wasm memory held by the pooled inference kernels (for tests and budgets). */
export function fusedLstmInferenceMemoryBytes(): number {
  let bytes = 0;
  for (const list of pools.values()) for (const k of list) bytes += k.kernel.memory.buffer.byteLength;
  return bytes;
}

/** Copies the packed φ into the kernel unless it already holds it. */
function loadPhi(k: InferenceKernel, packed: Float32Array): void {
  if (k.phi === packed) return;
  new Float32Array(k.kernel.memory.buffer).set(packed, k.layout.phiStart >>> 2);
  k.phi = packed;
}

/** Options of {@link fusedLstmInferenceOptimizer}. */
export interface FusedLstmInferenceOptions {
  /** Shown as the optimizer's name. Default 'lstm[fused]'. */
  readonly name?: string;
  /**
   * 'auto' (default): 2 threads for updates of at least {@link AUTO_TWO_THREAD_ROWS} coordinates where helper
   * threads are available (Node, through `@l2o/optimizer-lstm/node`), else 1; 1: single-threaded wasm; 2: rows
   * split with a worker_thread on shared memory (Node). The updates are bit-identical either way.
   */
  readonly threads?: 1 | 2 | 'auto';
}

/** From this many coordinates, `threads: 'auto'` splits an update over two threads (15,910: 7.2 → 4.4 ms). */
export const AUTO_TWO_THREAD_ROWS = 4096;

/** The threads an update of `n` coordinates runs on under the `threads` option. */
export function inferenceThreadsFor(threads: 1 | 2 | 'auto', n: number): 1 | 2 {
  if (threads !== 'auto') return threads;
  return n >= AUTO_TWO_THREAD_ROWS && kernelThreadsAvailable() ? 2 : 1;
}

/**
 * The fused inference optimizer of `config` with meta-parameters `phi` (checked, read once and copied into the
 * kernel now; `phi` is neither kept nor disposed). Needs WebAssembly SIMD (see `fusedKernelSupported`).
 */
export function fusedLstmInferenceOptimizer(
  config: LstmConfig,
  phi: TensorMap,
  options: FusedLstmInferenceOptions = {},
): Optimizer<LstmState> {
  return fusedInference(config, phi, options, undefined);
}

/**
 * The fused inference optimizer of an LSTM whose layers average hidden units over coordinates (LSTM+GAC, see
 * {@link FusedRowAveraging}): as `fusedLstmInferenceOptimizer` (`@l2o/optimizer-lstm`), but the layers run one at a time, the first
 * `averaging.columns[l]` units of layer l's new h replaced by their group means before the layer above reads them
 * and before they are kept as state. `config` is the LSTM part (it shapes φ and the state).
 */
export function fusedAveragingInferenceOptimizer(
  config: LstmConfig,
  phi: TensorMap,
  averaging: FusedRowAveraging,
  options: FusedLstmInferenceOptions = {},
): Optimizer<LstmState> {
  checkAveragedColumns(averaging.columns, config.hiddenSizes, 'averaging inference optimizer');
  return fusedInference(config, phi, options, averaging.columns.some((c) => c > 0) ? averaging : undefined);
}

function fusedInference(
  config: LstmConfig,
  phi: TensorMap,
  options: FusedLstmInferenceOptions,
  averaging: FusedRowAveraging | undefined,
): Optimizer<LstmState> {
  const threads = options.threads ?? 'auto';
  if (threads !== 1 && threads !== 2 && threads !== 'auto') {
    throw new L2oError(
      'INVALID_OPTION',
      `lstm inference optimizer: threads must be 1, 2 or 'auto'; got ${String(threads)}`,
    );
  }
  checkLstmMetaParams(phi, config, 'lstm inference optimizer');
  const first = acquire(config, threads === 2 ? 2 : 1);
  const packed = packPhi(phi, first.layout);
  try {
    loadPhi(first, packed);
  } finally {
    release(config, first);
  }
  const logSign = config.preprocessing === 'log-sign';
  const moments = preprocessingHasStats(config);
  const thr = Math.fround(Math.exp(-config.p));
  const expP = Math.fround(Math.exp(config.p));
  const p32 = Math.fround(config.p);
  const scale = Math.fround(config.outputScale);
  const boValue = packed[(first.layout.bo - first.layout.phiStart) >>> 2]!;

  const run = (
    k: InferenceKernel,
    grads: TensorMap,
    keys: readonly string[],
    state: LstmState,
    n: number,
  ): { updates: TensorMap; state: LstmState } => {
    const s = k.layout;
    const np = up(n, 4);
    // Per-coordinate buffers after the static part: x0 [np, d0], out [np], h_l, c_l [np, hp_l].
    let off = s.end;
    const take = (bytes: number): number => {
      const at = off;
      off = up(off + bytes, 64);
      return at;
    };
    const x0 = take(np * s.d0 * 4);
    const out = take(np * 4);
    const unused = averaging ? take(np * 4) : 0; // outputs of the single-layer plans below the top
    const hc = s.layers.map((l) => ({ h: take(np * l.hp * 4), c: take(np * l.hp * 4) }));
    // log/sign on the whole-step path: the raw gradient goes in [np], each thread preprocesses its rows (SIMD).
    const inKernel = logSign && !averaging;
    const raw = inKernel ? take(np * 4) : 0;
    const mem = k.kernel.memory;
    ensureMemory(mem, off);
    const f32 = new Float32Array(mem.buffer);
    const u32 = new Uint32Array(mem.buffer);
    loadPhi(k, packed);
    // The plan (l2o_infer_rows reads only these words).
    const w = s.plan >>> 2;
    u32.fill(0, w, w + 24 + 24 * s.L);
    u32[w] = s.L;
    u32[w + 1] = s.d0;
    u32[w + 5] = x0;
    u32[w + 7] = out;
    u32[w + 8] = s.wo;
    f32[w + 9] = boValue;
    f32[w + 10] = scale;
    u32[w + 15] = s.scratch[0];
    u32[w + 16] = s.scratch[1];
    u32[w + 17] = s.layers[s.L - 1]!.hp;
    s.layers.forEach((l, li) => {
      const pl = w + 24 + 24 * li;
      u32[pl] = l.din;
      u32[pl + 1] = l.hp;
      u32[pl + 2] = l.G;
      u32[pl + 4] = l.W;
      u32[pl + 5] = l.b;
      u32[pl + 7] = hc[li]!.h;
      u32[pl + 8] = hc[li]!.c;
    });
    u32[w + 18] = raw;
    f32[w + 19] = p32;
    f32[w + 22] = thr;
    f32[w + 23] = expP;
    // The input state, unless the kernel still holds exactly these tensors (tensors are immutable).
    const inTensors = s.layers.flatMap((_, l) => [state.h[l]!, state.c[l]!]);
    const held = k.held;
    k.held = undefined;
    if (!held || held.rows !== n || held.tensors.some((t, i) => t !== inTensors[i])) {
      s.layers.forEach((l, li) => {
        for (const [src, dst] of [
          [state.h[li]!, hc[li]!.h],
          [state.c[li]!, hc[li]!.c],
        ] as const) {
          const a = src.dataSync() as Float32Array;
          const base = dst >>> 2;
          if (l.hp === l.H) f32.set(a, base);
          else {
            f32.fill(0, base, base + np * l.hp);
            for (let r = 0; r < n; r++) f32.set(a.subarray(r * l.H, (r + 1) * l.H), base + r * l.hp);
          }
          if (np > n) f32.fill(0, base + n * l.hp, base + np * l.hp);
        }
      });
    }
    // The preprocessed gradient, in core's flattenMap order.
    const xb = x0 >>> 2;
    let r = 0;
    let nextStats: Float32Array | undefined;
    if (moments) {
      const flat = new Float32Array(n);
      for (const key of keys) {
        flat.set(grads[key]!.dataSync() as Float32Array, r);
        r += grads[key]!.size;
      }
      nextStats = Float32Array.from(state.stats!.dataSync() as Float32Array);
      writeMomentInputs(flat, nextStats, f32, xb, config.p);
    }
    for (const key of moments ? [] : keys) {
      const g = grads[key]!.dataSync() as Float32Array;
      if (inKernel) {
        f32.set(g, (raw >>> 2) + r);
        r += g.length;
      } else if (logSign) {
        for (let i = 0; i < g.length; i++, r++) {
          const v = g[i]!;
          const a = Math.abs(v);
          if (a >= thr) {
            f32[xb + 2 * r] = Math.fround(Math.log(a)) / p32;
            f32[xb + 2 * r + 1] = v > 0 ? 1 : -1;
          } else {
            f32[xb + 2 * r] = -1;
            f32[xb + 2 * r + 1] = v * expP;
          }
        }
      } else {
        f32.set(g, xb + r);
        r += g.length;
      }
    }
    if (inKernel) f32.fill(0, (raw >>> 2) + n, (raw >>> 2) + np);
    else f32.fill(0, xb + n * s.d0, xb + np * s.d0);
    const infer = (plan: number): void => {
      if (k.kernel.threads === 2) {
        const chunk = rowChunk(np, INFER_PIECES);
        resetWorkCounter(u32, plan);
        k.kernel.start('infer', [plan, chunk, np, 1]);
        try {
          k.kernel.exports.l2o_infer_shared(plan, chunk, np, 0);
        } finally {
          k.kernel.join();
        }
      } else {
        k.kernel.exports.l2o_infer_rows(plan, 0, np, 0);
      }
    };
    if (!averaging) infer(s.plan);
    else {
      // Layer by layer (single-layer plans, their output layer on zero weights into `unused`), each layer's
      // averaged columns replaced by their group means in place, then the output layer on the averaged top h.
      const groups = averaging.groups(grads);
      checkRowGroups(groups, n, 'averaging inference update');
      f32.fill(0, s.zeros >>> 2, (s.zeros >>> 2) + s.layers.reduce((m, l) => Math.max(m, l.hp), 0));
      s.layers.forEach((l, li) => {
        const pw = s.layerPlans[li]! >>> 2;
        u32.fill(0, pw, pw + 48);
        u32[pw] = 1;
        u32[pw + 1] = l.din;
        u32[pw + 5] = li === 0 ? x0 : hc[li - 1]!.h;
        u32[pw + 7] = unused;
        u32[pw + 8] = s.zeros;
        u32[pw + 15] = s.scratch[0];
        u32[pw + 16] = s.scratch[1];
        u32[pw + 17] = l.hp;
        u32[pw + 24] = l.din;
        u32[pw + 25] = l.hp;
        u32[pw + 26] = l.G;
        u32[pw + 28] = l.W;
        u32[pw + 29] = l.b;
        u32[pw + 31] = hc[li]!.h;
        u32[pw + 32] = hc[li]!.c;
        infer(s.layerPlans[li]!);
        averageRowGroups(f32, hc[li]!.h >>> 2, l.hp, averaging.columns[li]!, groups);
      });
      const top = s.layers[s.L - 1]!;
      k.kernel.exports.l2o_fwd_output(np, top.hp, hc[s.L - 1]!.h, s.wo, boValue, scale, out);
    }
    // Fresh tensors. The wasm backend copies the values into its own heap when the tensor is made, so a view
    // of kernel memory suffices there; other backends (cpu keeps the array it is given) get a copy.
    const copies = tf.getBackend() !== 'wasm';
    const part = (from: number, to: number): Float32Array => (copies ? f32.slice(from, to) : f32.subarray(from, to));
    const updates: Record<string, tf.Tensor> = {};
    let o = out >>> 2;
    for (const key of keys) {
      const t = grads[key]!;
      updates[key] = tf.tensor(part(o, o + t.size), t.shape, 'float32');
      o += t.size;
    }
    const read = (l: LayerLayout, at: number): tf.Tensor2D => {
      const base = at >>> 2;
      if (l.hp === l.H) return tf.tensor2d(part(base, base + n * l.H), [n, l.H]);
      const a = new Float32Array(n * l.H);
      for (let q = 0; q < n; q++) a.set(f32.subarray(base + q * l.hp, base + q * l.hp + l.H), q * l.H);
      return tf.tensor2d(a, [n, l.H]);
    };
    const next: LstmState = {
      h: s.layers.map((l, li) => read(l, hc[li]!.h)),
      c: s.layers.map((l, li) => read(l, hc[li]!.c)),
      ...(nextStats ? { stats: tf.tensor2d(nextStats, [n, MOMENT_STATS_SIZE]) } : {}),
    };
    k.held = { rows: n, tensors: s.layers.flatMap((_, l) => [next.h[l]!, next.c[l]!]) };
    return { updates, state: next };
  };

  return {
    name: options.name ?? 'lstm[fused]',
    init(params: TensorMap): LstmState {
      return lstmZeroState(config, mapSize(params));
    },
    update(grads: TensorMap, state: LstmState, params: TensorMap) {
      void params;
      const keys = orderedKeys(grads);
      for (const key of keys) {
        const t = grads[key]!;
        if (t.dtype !== 'float32')
          throw new L2oError(
            'SHAPE_MISMATCH',
            `lstm inference update: gradient "${key}" has dtype ${t.dtype}; expected float32`,
          );
      }
      const n = mapSize(grads);
      checkLstmState(state, config, n, 'lstm inference update');
      const k = acquire(config, inferenceThreadsFor(threads, n));
      try {
        return run(k, grads, keys, state, n);
      } finally {
        release(config, k);
      }
    },
  };
}
