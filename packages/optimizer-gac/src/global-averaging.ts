import * as tf from '@tensorflow/tfjs';
import { L2oError, type TensorMap } from '@l2o/core';
import { orderedKeys } from '@l2o/core/extend';
import type { Averaging } from './config.js';

/**
 * The averaging groups for a parameter map, as sizes of consecutive row blocks in core's `flattenMap` order:
 * 'all' → one group of every coordinate; 'per-tensor' → one group per parameter tensor (in `orderedKeys` order).
 */
export function averagingSegments(params: TensorMap, averaging: Averaging): number[] {
  const sizes = orderedKeys(params).map((k) => params[k]!.size);
  if (averaging === 'all') return [sizes.reduce((a, b) => a + b, 0)];
  return sizes;
}

/**
 * Replaces the first `globalCells` columns of `h` ([N, H], one row per coordinate) by their mean over the rows
 * of each group of `segments` (consecutive row blocks whose sizes sum to N; omitted = one group of all rows).
 * The other columns pass through unchanged (bit for bit). Differentiable; pure.
 *
 * Written as h ⊙ local + mean ⊙ global with constant 0/1 column masks, so no Slice or Concat runs (both are slow
 * on tfjs wasm); a 0 times a finite activation adds exactly 0. For several groups the means are
 * P·h with P [G, N] holding 1/n_g on group g's rows, broadcast back by the one-hot E [N, G].
 */
export function globalAverage(h: tf.Tensor2D, globalCells: number, segments?: readonly number[]): tf.Tensor2D {
  const [n, width] = h.shape;
  if (!Number.isInteger(globalCells) || globalCells < 0 || globalCells > width) {
    throw new L2oError(
      'INVALID_OPTION',
      `globalAverage: globalCells must be an integer in [0, ${width}] (the width of h); got ${globalCells}`,
    );
  }
  if (globalCells === 0) return tf.clone(h);
  const segs = segments === undefined || segments.length === 0 ? [n] : segments;
  if (segs.reduce((a, b) => a + b, 0) !== n || segs.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new L2oError(
      'INVALID_OPTION',
      `globalAverage: segments must be positive integers summing to the ${n} rows of h; got [${segs.join(', ')}]`,
    );
  }
  return tf.tidy(() => {
    const globalMask = new Float32Array(width);
    globalMask.fill(1, 0, globalCells);
    const gMask = tf.tensor2d(globalMask, [1, width]);
    if (globalCells === width && segs.length === 1) {
      return tf.mul(tf.onesLike(h), tf.mean(h, 0, true)) as tf.Tensor2D;
    }
    const lMask = tf.sub(1, gMask);
    let broadcastMean: tf.Tensor2D;
    if (segs.length === 1) {
      broadcastMean = tf.mean(h, 0, true) as tf.Tensor2D; // [1, H], broadcast by the add below
    } else {
      const g = segs.length;
      const p = new Float32Array(g * n);
      const e = new Float32Array(n * g);
      let row = 0;
      segs.forEach((size, j) => {
        for (let i = row; i < row + size; i++) {
          p[j * n + i] = 1 / size;
          e[i * g + j] = 1;
        }
        row += size;
      });
      const means = tf.matMul(tf.tensor2d(p, [g, n]), h);
      broadcastMean = tf.matMul(tf.tensor2d(e, [n, g]), means) as tf.Tensor2D;
    }
    return tf.add(tf.mul(h, lMask), tf.mul(broadcastMean, gMask)) as tf.Tensor2D;
  });
}
