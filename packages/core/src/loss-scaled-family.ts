import * as tf from '@tensorflow/tfjs';
import { checkLogRange, logUniform } from './log-uniform.js';
import type { BatchData, Optimizee, OptimizeeFamily } from './types.js';

/**
 * Augmentation of a family's losses: every problem's loss is multiplied by a constant c drawn log-uniformly in
 * `range` per problem, so that a learned optimizer meets the same task at many loss scales (its gradients scale by
 * c too). θ₀, minibatches and the minimiser are those of the base problem.
 */
export function lossScaledFamily<Batch extends BatchData>(
  family: OptimizeeFamily<Batch>,
  range: readonly [number, number],
): OptimizeeFamily<Batch> {
  const [lo, hi] = checkLogRange('lossScaledFamily', 'range', range);
  return {
    name: `${family.name}+loss-scale(${lo}..${hi})`,
    sample(rng) {
      const inner = family.sample(rng.fork());
      const c = logUniform(rng.fork(), lo, hi);
      const task: Optimizee<Batch> = {
        name: `${inner.name}×${c.toPrecision(4)}`,
        init: (r) => inner.init(r),
        sampleBatch: (r) => inner.sampleBatch(r),
        loss: (params, batch) => tf.tidy(() => tf.mul(inner.loss(params, batch), c)) as tf.Scalar,
        dispose: () => inner.dispose?.(),
      };
      return task;
    },
  };
}
