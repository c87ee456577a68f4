/**
 * A user-written optimizee: L2-regularised logistic regression on your own arrays, as an l2o Optimizee and
 * OptimizeeFamily. It uses only the public API of @l2o/core (types and Rng) and @tensorflow/tfjs.
 * See packages/core/docs/user-optimizees.md (shipped with @l2o/core as docs/user-optimizees.md) for a walk-through.
 */
import * as tf from '@tensorflow/tfjs';
import type { Optimizee, OptimizeeFamily, Rng, TensorMap } from '@l2o/core';

/** Your data: one row of features per example and a 0/1 label per row. */
export interface LogisticData {
  readonly features: readonly (readonly number[])[];
  readonly labels: readonly number[];
}

export interface LogisticOptions {
  /** Rows per minibatch, drawn with replacement at every `sampleBatch`. Default 32. */
  readonly batchSize?: number;
  /** Weight of (λ/2)·||w||² in the loss (≥ 0). Default 1e-3. */
  readonly l2?: number;
  /** θ₀ ~ N(0, initStd²) for the weights; the bias starts at 0. Default 0.01. */
  readonly initStd?: number;
  /**
   * Fraction of the rows each sampled problem trains on (a fresh random subset per problem), so that the
   * family is a distribution of related problems rather than a single one. In (0, 1]; default 0.8.
   */
  readonly subsetFraction?: number;
}

/** A minibatch: features x [B, d] and labels y [B, 1] in {0, 1}. Whoever calls sampleBatch disposes it. */
export type LogisticBatch = { readonly x: tf.Tensor2D; readonly y: tf.Tensor2D };

function check(cond: boolean, message: string): void {
  if (!cond) throw new Error(message);
}

/**
 * f(w, b) = mean over the batch of [log(1 + e^z) − y·z], z = x·w + b, plus (λ/2)·||w||².
 * Computed as relu(z) − y·z + log(1 + e^−|z|), which never overflows.
 */
export function logisticLoss(params: TensorMap, batch: LogisticBatch, l2: number): tf.Scalar {
  const w = params['w'];
  const b = params['b'];
  if (!w || !b) throw new Error('logistic.loss: params must hold "w" [d, 1] and "b" [1]');
  return tf.tidy(() => {
    const z = tf.add(tf.matMul(batch.x, w as tf.Tensor2D), b);
    const perRow = tf.add(tf.sub(tf.relu(z), tf.mul(batch.y, z)), tf.log(tf.add(1, tf.exp(tf.neg(tf.abs(z))))));
    return tf.add(tf.mean(perRow), tf.mul(l2 / 2, tf.sum(tf.square(w)))) as tf.Scalar;
  });
}

/** The family of logistic-regression problems on `data`. Each `sample(rng)` picks a random subset of rows. */
export function logisticRegressionFamily(
  data: LogisticData,
  options: LogisticOptions = {},
): OptimizeeFamily<LogisticBatch> {
  const batchSize = options.batchSize ?? 32;
  const l2 = options.l2 ?? 1e-3;
  const initStd = options.initStd ?? 0.01;
  const subsetFraction = options.subsetFraction ?? 0.8;
  const n = data.features.length;
  check(
    n > 0 && data.labels.length === n,
    `logistic.data: need as many labels as rows (${n} rows, ${data.labels.length} labels)`,
  );
  const d = data.features[0]!.length;
  check(
    d > 0 && data.features.every((r) => r.length === d),
    'logistic.data.features: every row must have the same, non-zero length',
  );
  check(
    data.labels.every((y) => y === 0 || y === 1),
    'logistic.data.labels: every label must be 0 or 1',
  );
  check(
    Number.isInteger(batchSize) && batchSize >= 1,
    `logistic.batchSize: must be a positive integer, got ${batchSize}`,
  );
  check(Number.isFinite(l2) && l2 >= 0, `logistic.l2: must be a finite number ≥ 0, got ${l2}`);
  check(Number.isFinite(initStd) && initStd >= 0, `logistic.initStd: must be a finite number ≥ 0, got ${initStd}`);
  check(subsetFraction > 0 && subsetFraction <= 1, `logistic.subsetFraction: must be in (0, 1], got ${subsetFraction}`);
  // Keep the data in plain JS memory: no tensors to free, and minibatches are cheap to assemble.
  const x = Float32Array.from(data.features.flat());
  const y = Float32Array.from(data.labels);

  return {
    name: `logistic-${d}d`,
    sample(rng: Rng): Optimizee<LogisticBatch> {
      const size = Math.max(1, Math.round(subsetFraction * n));
      // A random subset of rows (partial Fisher–Yates), drawn from the family's rng: reproducible per seed.
      const order = Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < size; i++) {
        const j = i + rng.int(n - i);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const rows = order.slice(0, size);
      return {
        name: `logistic-${d}d`,
        init(initRng: Rng): TensorMap {
          return { w: tf.tensor2d(initRng.normalArray(d, 0, initStd), [d, 1]), b: tf.zeros([1]) };
        },
        sampleBatch(batchRng: Rng): LogisticBatch {
          const bx = new Float32Array(batchSize * d);
          const by = new Float32Array(batchSize);
          for (let r = 0; r < batchSize; r++) {
            const i = rows[batchRng.int(rows.length)]!;
            bx.set(x.subarray(i * d, (i + 1) * d), r * d);
            by[r] = y[i]!;
          }
          return { x: tf.tensor2d(bx, [batchSize, d]), y: tf.tensor2d(by, [batchSize, 1]) };
        },
        loss(params: TensorMap, batch: LogisticBatch): tf.Scalar {
          return logisticLoss(params, batch, l2);
        },
      };
    },
  };
}
