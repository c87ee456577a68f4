import * as tf from '@tensorflow/tfjs';
import { assertSameKeys } from '@l2o/core';
import type { Optimizer, TensorMap } from '@l2o/core';
import {
  checkBoolean,
  checkOptions,
  checkPositive,
  checkUnitInterval,
  optimizerName,
  resolveEpsilon,
  zerosLikeMap,
} from '@l2o/core';

export interface RmspropOptions {
  /** Step size α > 0. */
  readonly learningRate: number;
  /** Decay ρ of the running averages, in [0, 1); default 0.9. */
  readonly decay?: number;
  /** Momentum μ in [0, 1); default 0. */
  readonly momentum?: number;
  /** ε > 0 added under the square root; default the backend's epsilon (1e-7 for float32), as tf.train.rmsprop. */
  readonly epsilon?: number;
  /** Divide by an estimate of the gradient's variance instead of its second moment; default false. */
  readonly centered?: boolean;
}

export type RmspropState = {
  /** Running mean of g². */
  readonly meanSquare: TensorMap;
  /** Momentum buffer (the last step, sign flipped). */
  readonly moment: TensorMap;
  /** Running mean of g (centered only; empty otherwise). */
  readonly meanGrad: TensorMap;
};

const DEFAULTS = { decay: 0.9, momentum: 0, centered: false } as const;

/**
 * RMSprop as `tf.train.rmsprop(α, ρ, μ, ε, centered)` computes it:
 * s ← ρ s + (1−ρ) g²;  m ← μ m + α g / √(s + ε);  θ ← θ − m.
 * Centered: also ḡ ← ρ ḡ + (1−ρ) g and the denominator is √(s − ḡ² + ε). (tfjs 4.22 computes
 * √(s − ḡ² − ε), a sign slip that gives NaN once the variance falls below ε; this follows TensorFlow's
 * ApplyCenteredRMSProp instead, and agrees with tfjs whenever the variance is much larger than ε.)
 */
export function rmsprop(options: RmspropOptions): Optimizer<RmspropState> {
  const where = 'rmsprop';
  const opts = checkOptions(where, options);
  const lr = checkPositive(where, 'learningRate', opts.learningRate);
  const rho = checkUnitInterval(where, 'decay', opts.decay ?? DEFAULTS.decay);
  const mu = checkUnitInterval(where, 'momentum', opts.momentum ?? DEFAULTS.momentum);
  const eps = opts.epsilon === undefined ? undefined : checkPositive(where, 'epsilon', opts.epsilon);
  const centered = checkBoolean(where, 'centered', opts.centered ?? DEFAULTS.centered);
  return {
    name: optimizerName(where, lr, [
      ['decay', rho, DEFAULTS.decay],
      ['momentum', mu, DEFAULTS.momentum],
      ['epsilon', eps, undefined],
      ['centered', centered, DEFAULTS.centered],
    ]),
    init(params): RmspropState {
      return tf.tidy(() => ({
        meanSquare: zerosLikeMap(params),
        moment: zerosLikeMap(params),
        meanGrad: centered ? zerosLikeMap(params) : {},
      }));
    },
    update(grads, state) {
      assertSameKeys(grads, state.meanSquare, 'rmsprop.update');
      if (centered) assertSameKeys(grads, state.meanGrad, 'rmsprop.update');
      const epsilon = resolveEpsilon(eps);
      return tf.tidy(() => {
        const meanSquare: Record<string, tf.Tensor> = {};
        const moment: Record<string, tf.Tensor> = {};
        const meanGrad: Record<string, tf.Tensor> = {};
        const updates: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) {
          const s = tf.add(tf.mul(state.meanSquare[k]!, rho), tf.mul(tf.square(g), 1 - rho));
          let denom: tf.Tensor;
          if (centered) {
            const gm = tf.add(tf.mul(state.meanGrad[k]!, rho), tf.mul(g, 1 - rho));
            meanGrad[k] = gm;
            // s − (ḡ² − ε): tfjs's order of operations (so rounding matches it), TensorFlow's sign of ε.
            denom = tf.sqrt(tf.sub(s, tf.add(tf.square(gm), -epsilon)));
          } else {
            denom = tf.sqrt(tf.add(s, epsilon));
          }
          const m = tf.add(tf.mul(state.moment[k]!, mu), tf.div(tf.mul(g, lr), denom));
          meanSquare[k] = s;
          moment[k] = m;
          updates[k] = tf.neg(m);
        }
        const next: RmspropState = { meanSquare, moment, meanGrad };
        return { updates: updates as TensorMap, state: next };
      });
    },
  };
}
