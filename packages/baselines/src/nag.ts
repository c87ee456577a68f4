import * as tf from '@tensorflow/tfjs';
import { assertSameKeys } from '@l2o/core';
import type { Optimizer, TensorMap } from '@l2o/core';
import { checkOptions, checkPositive, checkUnitInterval, optimizerName, zerosLikeMap } from '@l2o/core';

export interface NagOptions {
  /** Step size α > 0. */
  readonly learningRate: number;
  /** Momentum μ in [0, 1); default 0.9. */
  readonly momentum?: number;
}

export type NagState = {
  /** Accumulated velocity v per parameter (zeros at the start). */
  readonly velocity: TensorMap;
};

const DEFAULT_MOMENTUM = 0.9;

/**
 * Nesterov accelerated gradient, in the form `tf.train.momentum(α, μ, true)` computes it:
 * v ← μ v + g;  θ ← θ − α (g + μ v).
 */
export function nag(options: NagOptions): Optimizer<NagState> {
  const opts = checkOptions('nag', options);
  const lr = checkPositive('nag', 'learningRate', opts.learningRate);
  const mu = checkUnitInterval('nag', 'momentum', opts.momentum ?? DEFAULT_MOMENTUM);
  return {
    name: optimizerName('nag', lr, [['momentum', mu, DEFAULT_MOMENTUM]]),
    init(params): NagState {
      return { velocity: tf.tidy(() => zerosLikeMap(params)) };
    },
    update(grads, state) {
      assertSameKeys(grads, state.velocity, 'nag.update');
      return tf.tidy(() => {
        const velocity: Record<string, tf.Tensor> = {};
        const updates: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) {
          const v = tf.add(tf.mul(state.velocity[k]!, mu), g);
          velocity[k] = v;
          updates[k] = tf.mul(tf.add(g, tf.mul(v, mu)), -lr);
        }
        return { updates: updates as TensorMap, state: { velocity } as NagState };
      });
    },
  };
}
