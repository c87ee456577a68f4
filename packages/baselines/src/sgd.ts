import * as tf from '@tensorflow/tfjs';
import { assertSameKeys } from '@l2o/core';
import type { Optimizer, TensorMap } from '@l2o/core';
import { checkOptions, checkPositive, optimizerName } from '@l2o/core';

export interface SgdOptions {
  /** Step size α > 0. */
  readonly learningRate: number;
}

/** Plain gradient descent keeps no state. */
export type SgdState = Readonly<Record<string, never>>;

/**
 * Stochastic gradient descent: θ ← θ − α ∇f(θ), exactly as `tf.train.sgd(α)` computes it.
 */
export function sgd(options: SgdOptions): Optimizer<SgdState> {
  const opts = checkOptions('sgd', options);
  const lr = checkPositive('sgd', 'learningRate', opts.learningRate);
  return {
    name: optimizerName('sgd', lr),
    init(): SgdState {
      return {};
    },
    update(grads, state, params) {
      assertSameKeys(grads, params, 'sgd.update');
      const updates = tf.tidy(() => {
        const out: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) out[k] = tf.mul(g, -lr);
        return out;
      }) as TensorMap;
      return { updates, state };
    },
  };
}
