import * as tf from '@tensorflow/tfjs';
import { L2oError } from '@l2o/core';

/**
 * The 'log-sign-moments' inputs: the paper's log/sign pair plus three scale-free running statistics per
 * coordinate, in the spirit of RNNprop (Lv et al. 2017) and the feature sets of later learned optimizers. With
 * per-coordinate statistics (m_fast, m_slow, v, t), carried in the optimizer state:
 *
 *   t' = t + 1
 *   m_fast' = β_fast m_fast + (1 − β_fast) g        (β_fast = 0.9)
 *   m_slow' = β_slow m_slow + (1 − β_slow) g        (β_slow = 0.99)
 *   v'      = β_v v + (1 − β_v) g²                  (β_v = 0.99)
 *   s       = sqrt(v' / (1 − β_v^t')) + ε           (ε = 1e-16, a bias-corrected RMS of the gradient)
 *   inputs  = (log-sign(g) [2 columns], g / s, m̂_fast / s, m̂_slow / s),  m̂ = m' / (1 − β^t')
 *
 * The three ratios are invariant to a rescaling of the loss and bounded (|g / s| ≤ 1/sqrt(1 − β_v) = 10), so the
 * network sees momentum at two time scales and the gradient against its recent RMS without having to integrate
 * them in its cells; log|g| keeps the absolute scale. The statistics depend only on the gradients, which the
 * meta-gradient treats as constants, so they add no term to dφ.
 */
export const MOMENT_DECAYS = Object.freeze({ fast: 0.9, slow: 0.99, v: 0.99 });
export const MOMENT_EPSILON = 1e-16;
/** Columns of the statistics: m_fast, m_slow, v, t. */
export const MOMENT_STATS_SIZE = 4;
/** Network inputs per coordinate in this mode. */
export const MOMENT_INPUT_SIZE = 5;

/**
 * Plain-array version (the fused kernels use it): for each of the `n` coordinates of `grad`, updates its row of
 * `stats` ([n, 4] row-major) in place and writes its 5 inputs to `x` starting at float offset `xOff` (row r at
 * xOff + 5 r). `p` is the log/sign constant. Arithmetic in float64, stored as float32.
 */
export function writeMomentInputs(
  grad: Float32Array,
  stats: Float32Array,
  x: Float32Array,
  xOff: number,
  p: number,
): void {
  const n = grad.length;
  if (stats.length !== n * MOMENT_STATS_SIZE) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `moment inputs: stats hold ${stats.length} values; expected ${n}×${MOMENT_STATS_SIZE}`,
    );
  }
  const thr = Math.exp(-p);
  const expP = Math.exp(p);
  const { fast: bf, slow: bs, v: bv } = MOMENT_DECAYS;
  // The bias corrections depend only on t, which is the same for every row in practice: computed once per t.
  let lastT = Number.NaN;
  let corrF = 1;
  let corrS = 1;
  let corrV = 1;
  for (let r = 0; r < n; r++) {
    const g = grad[r]!;
    const o = 4 * r;
    const t = stats[o + 3]! + 1;
    const mf = bf * stats[o]! + (1 - bf) * g;
    const ms = bs * stats[o + 1]! + (1 - bs) * g;
    const v = bv * stats[o + 2]! + (1 - bv) * g * g;
    stats[o] = mf;
    stats[o + 1] = ms;
    stats[o + 2] = v;
    stats[o + 3] = t;
    if (t !== lastT) {
      lastT = t;
      corrF = 1 - bf ** t;
      corrS = 1 - bs ** t;
      corrV = 1 - bv ** t;
    }
    const s = Math.sqrt(v / corrV) + MOMENT_EPSILON;
    const xo = xOff + MOMENT_INPUT_SIZE * r;
    const a = Math.abs(g);
    if (a >= thr) {
      x[xo] = Math.log(a) / p;
      x[xo + 1] = g > 0 ? 1 : -1;
    } else {
      x[xo] = -1;
      x[xo + 1] = g * expP;
    }
    x[xo + 2] = g / s;
    x[xo + 3] = mf / corrF / s;
    x[xo + 4] = ms / corrS / s;
  }
}

/** Zero statistics for `n` coordinates ([n, 4]). */
export function momentZeroStats(n: number): tf.Tensor2D {
  return tf.zeros([n, MOMENT_STATS_SIZE]) as tf.Tensor2D;
}

/**
 * Tensor version: the inputs [n, 5] for the flat gradient `g` [n] and the next statistics [n, 4], from `stats`
 * [n, 4]. `logSign` is the paper's log/sign pair of `g` ([n, 2]). The caller owns the outputs.
 */
export function momentInputs(
  g: tf.Tensor1D,
  stats: tf.Tensor2D,
  logSign: tf.Tensor2D,
): { input: tf.Tensor2D; stats: tf.Tensor2D } {
  return tf.tidy(() => {
    const n = g.shape[0];
    const { fast: bf, slow: bs, v: bv } = MOMENT_DECAYS;
    const col = (j: number): tf.Tensor1D => tf.reshape(tf.slice(stats, [0, j], [n, 1]), [n]) as tf.Tensor1D;
    const t = tf.add(col(3), 1);
    const mf = tf.add(tf.mul(col(0), bf), tf.mul(g, 1 - bf));
    const ms = tf.add(tf.mul(col(1), bs), tf.mul(g, 1 - bs));
    const v = tf.add(tf.mul(col(2), bv), tf.mul(tf.square(g), 1 - bv));
    const correction = (beta: number): tf.Tensor1D => tf.sub(1, tf.pow(tf.scalar(beta), t)) as tf.Tensor1D;
    const s = tf.add(tf.sqrt(tf.div(v, correction(bv))), MOMENT_EPSILON);
    const ratios = tf.stack(
      [tf.div(g, s), tf.div(tf.div(mf, correction(bf)), s), tf.div(tf.div(ms, correction(bs)), s)],
      1,
    );
    return {
      input: tf.concat([logSign, ratios], 1) as tf.Tensor2D,
      stats: tf.stack([mf, ms, v, t], 1) as tf.Tensor2D,
    };
  });
}
