import * as tf from '@tensorflow/tfjs';
import { type FusedUnroll, hostTensor, hostValues, orderedKeys } from '@l2o/core/extend';
import { L2oError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import type { LstmConfig } from '../config.js';
import { checkLstmMetaParams } from '../meta-params.js';
import { checkLstmState, type LstmState } from '../lstm-optimizer.js';
import {
  createFusedLstm,
  suffixAdjoints,
  type FlatLstmState,
  type FusedLstm,
  type FusedLstmOptions,
} from './fused-lstm.js';
import { fusedKernelSupported, kernelThreadsAvailable } from './wasm-kernel.js';

/**
 * One truncated unroll of a learned optimizer run by a fused kernel instead of the tfjs ops (the hook that
 * core's meta-trainer uses when a learned optimizer offers it). The updates must not depend on θ.
 *
 *   const u = learned.beginFusedUnroll?.(phi, stateStart);     // undefined: use the generic path
 *   for k in 0…K−1:  θ_{k+1} = θ_k + u.step(∇_k)               // same updates as withMetaParams(phi).update
 *   dφ = u.metaGradient([∇_0 … ∇_K], [w_1 … w_K])             // same contract as unrollMetaGradient
 *   state = u.state();  u.dispose();
 */
/** The LSTM's fused unroll, with the size of the kernel's memory (for benchmarks and budgets). */
export interface FusedLstmUnroll extends FusedUnroll<LstmState> {
  /** Bytes of WebAssembly memory the kernel holds (saved activations of the unroll, weights, scratch). */
  readonly memoryBytes: number;
}

/** Options of the fused unroll (`beginFusedAveragingUnroll`, and the LSTM's own `beginFusedUnroll`). */
export interface FusedUnrollOptions {
  /**
   * 1: single-threaded; 2: rows split with one worker_thread sharing the kernel's memory (Node, SharedArrayBuffer).
   * Default 'auto': 2 where the machine has at least 2 cores and SharedArrayBuffer exists, else 1.
   */
  readonly threads?: 1 | 2 | 'auto';
  /**
   * Row averaging between layers (LSTM+GAC's global averaging cells; see {@link FusedRowAveraging}). Omitted: the
   * plain LSTM.
   */
  readonly averaging?: FusedRowAveraging;
}

/**
 * Averaging of hidden units over coordinates inside the fused kernels, for optimizers built on the LSTM (LSTM+GAC):
 * in every layer l, after each step, the first `columns[l]` columns of h are replaced by their mean over each
 * group of coordinates; that averaged h feeds the layer above and is the recurrent h of the next step (c is not
 * averaged). The backward of an unroll applies the same (linear, symmetric) averaging to those columns' adjoints.
 */
export interface FusedRowAveraging {
  /** One entry per layer of `hiddenSizes`: how many leading hidden units are averaged (0: none), each in [0, H_l]. */
  readonly columns: readonly number[];
  /**
   * The groups for a gradient map: sizes of consecutive blocks of coordinates in core's `flattenMap` order, summing
   * to its coordinates (e.g. `[n]` for one group of all). Called once per unroll / update.
   */
  groups(grads: TensorMap): readonly number[];
}

/** Threads for a fused kernel: 1 or 2 as given; 'auto' (or omitted): 2 where helper threads are available. */
export function resolveKernelThreads(t: 1 | 2 | 'auto' | undefined): 1 | 2 {
  if (t === 1 || t === 2) return t;
  if (t !== undefined && t !== 'auto')
    throw new L2oError('INVALID_OPTION', `fused lstm unroll: threads must be 1, 2 or 'auto'; got ${String(t)}`);
  return kernelThreadsAvailable() ? 2 : 1;
}

const pools = new Map<string, FusedLstm[]>();

/**
 * Drops the pooled kernels (each holds the wasm memory of the largest unroll it ran, ≈300 MB for the MNIST
 * workload, and with 2 threads a worker_thread). Unrolls still running keep theirs until `dispose()`.
 */
export function releaseFusedLstmKernels(): void {
  for (const list of pools.values()) for (const f of list.splice(0)) f.dispose();
}

const poolKeys = new WeakMap<FusedLstm, string>();

/**
 * A fused-kernel runner for `config` and `options` from the pool (created if none is free): runners keep their
 * wasm memory and helper thread between unrolls. Give it back with {@link releaseFusedLstm}.
 */
export function acquireFusedLstm(config: LstmConfig, options: FusedLstmOptions = {}): FusedLstm {
  const key = JSON.stringify([config, options.threads ?? 1, options.extraInputs ?? 0, options.outputs ?? null]);
  const f = pools.get(key)?.pop() ?? createFusedLstm(config, options);
  poolKeys.set(f, key);
  return f;
}

/** Returns a runner from {@link acquireFusedLstm} to the pool. */
export function releaseFusedLstm(f: FusedLstm): void {
  const key = poolKeys.get(f);
  if (key === undefined)
    throw new L2oError('INVALID_STATE', 'releaseFusedLstm: this runner did not come from acquireFusedLstm');
  const list = pools.get(key) ?? [];
  list.push(f);
  pools.set(key, list);
}

/** Copies the tensors `keys` of `map`, in that order, into `out` (core's `flattenMap` order for `orderedKeys`). */
export function readFlatGradients(
  map: TensorMap,
  keys: readonly string[],
  out: Float32Array,
  where = 'fused lstm unroll',
): void {
  let off = 0;
  for (const k of keys) {
    const t = map[k];
    if (!t)
      throw new L2oError('SHAPE_MISMATCH', `${where}: gradient "${k}" missing (expected keys ${keys.join(', ')})`);
    out.set(t.dataSync() as Float32Array, off);
    off += t.size;
  }
}

/**
 * The LSTM state's tensors as the kernels' plain arrays (h, c and, with moment inputs, stats); read-only: for a
 * state made by {@link fromFlatLstmState} they are the arrays its tensors were made from (core's `hostValues`).
 */
export function toFlatLstmState(state: LstmState): FlatLstmState {
  return {
    h: state.h.map((t) => hostValues(t, 'state.h')),
    c: state.c.map((t) => hostValues(t, 'state.c')),
    ...(state.stats ? { stats: hostValues(state.stats, 'state.stats') } : {}),
  };
}

/** Tensors of a kernel state for n rows (new tensors, owned by the caller; the arrays must not change afterwards). */
export function fromFlatLstmState(s: FlatLstmState, hiddenSizes: readonly number[], n: number): LstmState {
  return {
    h: s.h.map((a, l) => hostTensor(a, [n, hiddenSizes[l]!]) as tf.Tensor2D),
    c: s.c.map((a, l) => hostTensor(a, [n, hiddenSizes[l]!]) as tf.Tensor2D),
    ...(s.stats ? { stats: hostTensor(s.stats, [n, s.stats.length / n]) as tf.Tensor2D } : {}),
  };
}

/**
 * Starts a fused unroll of the coordinatewise LSTM optimizer with meta-parameters `phi` (read once) from
 * `state` (rows in core's `flattenMap` order, as `lstmOptimizer().withMetaParams(phi).init` makes them).
 * Runs on any tfjs backend: the kernel is WebAssembly of its own; tensors cross by `dataSync`.
 */
export function beginFusedLstmUnroll(
  config: LstmConfig,
  phi: TensorMap,
  state: LstmState,
  options: FusedUnrollOptions = {},
): FusedLstmUnroll {
  checkLstmMetaParams(phi, config, 'fused lstm unroll');
  const threads = resolveKernelThreads(options.threads);
  const averaging = options.averaging;
  const L = config.hiddenSizes.length;
  if (!state || state.h?.length !== L || state.c?.length !== L) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `fused lstm unroll: state must be {h, c} with ${L} tensors each (one per layer of hiddenSizes)`,
    );
  }
  const n = state.h[0]!.shape[0];
  checkLstmState(state, config, n, 'fused lstm unroll');
  const kernel = acquireFusedLstm(config, { threads });
  const flatPhi: Record<string, Float32Array> = {};
  for (const k of Object.keys(phi)) flatPhi[k] = phi[k]!.dataSync() as Float32Array;
  kernel.begin(n, flatPhi, toFlatLstmState(state));
  let keys: string[] | undefined;
  let shapes: number[][] = [];
  const gradBuf = new Float32Array(n);
  let disposed = false;
  const alive = (): void => {
    if (disposed) throw new L2oError('INVALID_STATE', 'fused lstm unroll: used after dispose()');
  };

  return {
    step(grads: TensorMap): TensorMap {
      alive();
      if (!keys) {
        keys = orderedKeys(grads);
        shapes = keys.map((k) => grads[k]!.shape);
        const size = keys.reduce((s, k) => s + grads[k]!.size, 0);
        if (size !== n) {
          throw new L2oError(
            'SHAPE_MISMATCH',
            `fused lstm unroll: the gradients hold ${size} coordinates; the state was made for ${n}`,
          );
        }
        if (averaging) kernel.averageRows(averaging.columns, averaging.groups(grads));
      } else if (orderedKeys(grads).join('\u0000') !== keys.join('\u0000')) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `fused lstm unroll: gradient keys changed within the unroll (expected ${keys.join(', ')})`,
        );
      }
      readFlatGradients(grads, keys, gradBuf);
      const u = kernel.step(gradBuf);
      const out: Record<string, tf.Tensor> = {};
      let off = 0;
      keys.forEach((k, i) => {
        const size = grads[k]!.size;
        out[k] = tf.tensor(u.subarray(off, off + size), shapes[i]!, 'float32');
        off += size;
      });
      return out;
    },
    state(): LstmState {
      alive();
      return fromFlatLstmState(kernel.state(), config.hiddenSizes, n);
    },
    metaGradient(grads: readonly TensorMap[], weights: readonly number[]): TensorMap {
      alive();
      const K = kernel.steps;
      if (grads.length !== K + 1) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `fused lstm unroll: metaGradient needs ${K + 1} gradients (∇_0 … ∇_${K}); got ${grads.length}`,
        );
      }
      if (weights.length !== K)
        throw new L2oError('SHAPE_MISMATCH', `fused lstm unroll: weights has ${weights.length} entries; expected ${K}`);
      const ks = keys ?? orderedKeys(grads[0]!);
      const next = grads.slice(1).map((g) => {
        const a = new Float32Array(n);
        readFlatGradients(g, ks, a);
        return a;
      });
      const d = kernel.metaGradient(suffixAdjoints(next, weights));
      const out: Record<string, tf.Tensor> = {};
      for (const k of Object.keys(phi)) out[k] = tf.tensor(d[k]!, phi[k]!.shape, 'float32');
      return out;
    },
    get memoryBytes(): number {
      return kernel.memoryBytes;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      releaseFusedLstm(kernel);
    },
  };
}

/**
 * `learned` with the fused hook attached: `beginFusedUnroll(phi, state)` (undefined where WebAssembly SIMD is
 * unavailable). For an `lstmOptimizer(...)`; everything else is passed through unchanged.
 */
export function withFusedLstmUnroll<L extends LearnedOptimizer<LstmState, LstmConfig>>(
  learned: L,
  options: FusedUnrollOptions = {},
): L & { beginFusedUnroll(phi: TensorMap, state: LstmState): FusedUnroll<LstmState> | undefined } {
  const supported = fusedKernelSupported();
  resolveKernelThreads(options.threads);
  return Object.assign(Object.create(Object.getPrototypeOf(learned) as object) as L, learned, {
    beginFusedUnroll(phi: TensorMap, state: LstmState): FusedUnroll<LstmState> | undefined {
      return supported ? beginFusedLstmUnroll(learned.config, phi, state, options) : undefined;
    },
  });
}

/**
 * A fused unroll of an LSTM whose layers average hidden units over coordinates between steps (LSTM+GAC): as the
 * LSTM's own fused unroll, with `averaging` applied in the forward after every layer and, transposed (it is
 * symmetric), to the adjoints in the backward. `config` is the LSTM part (its fields shape φ and the state).
 */
export function beginFusedAveragingUnroll(
  config: LstmConfig,
  phi: TensorMap,
  state: LstmState,
  averaging: FusedRowAveraging,
  options: Omit<FusedUnrollOptions, 'averaging'> = {},
): FusedLstmUnroll {
  return beginFusedLstmUnroll(config, phi, state, { ...options, averaging });
}
