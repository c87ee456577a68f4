import * as tf from '@tensorflow/tfjs';
import { L2oError } from './l2o-error.js';
import { type MetaTrainOptions, metaTrain } from './meta-train.js';
import type { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import type { BatchData, TensorMap } from './types.js';

/**
 * A small smooth test problem for comparing an optimizer's fused kernel with its tfjs path: f(θ) = Σ s ⊙ sin²(θ − θ*)
 * over the tensors of `shapes`, the scales s log-uniform in [e^lo, e^hi] (default [e^−12, e^2]), so that the
 * gradients span many orders of magnitude (both branches of log/sign preprocessing). θ₀ and θ* are N(0, 1).
 * `dispose()` frees s and θ* (θ₀ is the caller's).
 */
export function wideScaleSinProblem(
  rng: Rng,
  shapes: Readonly<Record<string, readonly number[]>>,
  logScale: readonly [number, number] = [-12, 2],
): { theta: TensorMap; grad: (theta: TensorMap) => TensorMap; dispose: () => void } {
  const [lo, hi] = logScale;
  const scales: Record<string, tf.Tensor> = {};
  const targets: Record<string, tf.Tensor> = {};
  const theta: Record<string, tf.Tensor> = {};
  for (const [k, s] of Object.entries(shapes)) {
    const size = s.reduce((x, y) => x * y, 1);
    scales[k] = tf.tensor(
      Array.from({ length: size }, () => Math.exp(lo + (hi - lo) * rng.uniform())),
      [...s],
    );
    targets[k] = tf.tensor(rng.normalArray(size), [...s]);
    theta[k] = tf.tensor(rng.normalArray(size), [...s]);
  }
  const keys = Object.keys(shapes);
  const grad = (th: TensorMap): TensorMap =>
    tf.tidy(() => {
      const f = (...vals: tf.Tensor[]): tf.Scalar =>
        tf.addN(
          keys.map((k, i) => tf.sum(tf.mul(scales[k]!, tf.square(tf.sin(tf.sub(vals[i]!, targets[k]!)))))),
        ) as tf.Scalar;
      const gs = tf.grads(f)(keys.map((k) => th[k]!));
      return Object.fromEntries(keys.map((k, i) => [k, gs[i]!]));
    });
  return { theta, grad, dispose: () => tf.dispose([scales, targets] as tf.TensorContainer) };
}

/** max |a − b| / max |b| over two arrays of one length. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new L2oError('SHAPE_MISMATCH', `maxRelativeError: lengths ${a.length} and ${b.length} differ`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i]! - b[i]!));
    den = Math.max(den, Math.abs(b[i]!));
  }
  return num / Math.max(den, 1e-30);
}

/** {@link maxRelativeError} of two tensors of one shape (throws if the shapes differ). */
export function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i]))
    throw new L2oError(
      'SHAPE_MISMATCH',
      `relativeError: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`,
    );
  return maxRelativeError(a.dataSync(), b.dataSync());
}

/** The worst {@link relativeError} over the tensors of `b` (each against `a`'s tensor of that name). */
export function mapRelativeError(a: TensorMap, b: TensorMap): number {
  let w = 0;
  for (const k of Object.keys(b)) {
    const t = a[k];
    if (!t) throw new L2oError('SHAPE_MISMATCH', `mapRelativeError: "${k}" missing`);
    w = Math.max(w, relativeError(t, b[k]!));
  }
  return w;
}

/** How far a meta-training through a learned optimizer's fused unroll is from the same run on the tfjs tape. */
export interface FusedMetaTrainComparison {
  /** Epochs in the two histories (equal when both ran to the end). */
  readonly epochs: readonly [fused: number, generic: number];
  /** max over epochs of |meta-loss difference| / max(1, |generic meta-loss|). */
  readonly metaLoss: number;
  /** max |φ difference| of the last meta-parameters. */
  readonly metaParams: number;
  /** max |φ_last − φ₀| of the generic run (that φ moved at all, so the comparison means something). */
  readonly moved: number;
}

/**
 * Runs `metaTrain(options)` twice, once through the learned optimizer's fused unroll (the default) and once with
 * `fused: false` (the tfjs tape), from `options.initialMetaParams`, and measures the differences. Frees both
 * results; the caller keeps `initialMetaParams`.
 */
export async function compareFusedMetaTrain<Batch extends BatchData, State extends tf.TensorContainer>(
  options: MetaTrainOptions<Batch, State> & { readonly initialMetaParams: TensorMap },
): Promise<FusedMetaTrainComparison> {
  const generic = await metaTrain({ ...options, fused: false });
  const fused = await metaTrain({ ...options });
  let metaLoss = 0;
  fused.history.forEach((h, i) => {
    const g = generic.history[i];
    if (g) metaLoss = Math.max(metaLoss, Math.abs(h.metaLoss - g.metaLoss) / Math.max(1, Math.abs(g.metaLoss)));
  });
  let metaParams = 0;
  let moved = 0;
  for (const k of Object.keys(generic.lastMetaParams)) {
    const a = generic.lastMetaParams[k]!.dataSync();
    const b = fused.lastMetaParams[k]!.dataSync();
    const p0 = options.initialMetaParams[k]!.dataSync();
    for (let i = 0; i < a.length; i++) {
      metaParams = Math.max(metaParams, Math.abs(a[i]! - b[i]!));
      moved = Math.max(moved, Math.abs(a[i]! - p0[i]!));
    }
  }
  const epochs: [number, number] = [fused.history.length, generic.history.length];
  for (const r of [generic, fused]) {
    disposeMap(r.metaParams);
    disposeMap(r.lastMetaParams);
  }
  return { epochs, metaLoss, metaParams, moved };
}
