import { chain, type Optimizer, scale, scaleByRms, type TensorMap, trace } from '@l2o/core';
import {
  assertSameKeys,
  checkBoolean,
  checkOptions,
  checkPositive,
  checkUnitInterval,
  mapState,
  optimizerName,
} from '@l2o/core/extend';

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
 *
 * It is core's `chain(scaleByRms({ decay: ρ, eps: ε, centered, numeratorScale: α }), trace({ decay: μ }), scale(-1))`:
 * TensorFlow's form keeps α inside the momentum and forms α·g before dividing, and the chain does the same float
 * operations in the same order. Config `{ name: 'rmsprop', learningRate, decay, momentum, epsilon?, centered }`.
 */
export function rmsprop(options: RmspropOptions): Optimizer<RmspropState> {
  const where = 'rmsprop';
  const opts = checkOptions(where, options);
  const lr = checkPositive(where, 'learningRate', opts.learningRate);
  const rho = checkUnitInterval(where, 'decay', opts.decay ?? DEFAULTS.decay);
  const mu = checkUnitInterval(where, 'momentum', opts.momentum ?? DEFAULTS.momentum);
  const eps = opts.epsilon === undefined ? undefined : checkPositive(where, 'epsilon', opts.epsilon);
  const centered = checkBoolean(where, 'centered', opts.centered ?? DEFAULTS.centered);
  const inner = chain(
    scaleByRms({ decay: rho, eps, centered, numeratorScale: lr }),
    trace({ decay: mu }),
    scale(-1), // descent: θ ← θ − m
  );
  return mapState(inner, {
    name: optimizerName(where, lr, [
      ['decay', rho, DEFAULTS.decay],
      ['momentum', mu, DEFAULTS.momentum],
      ['epsilon', eps, undefined],
      ['centered', centered, DEFAULTS.centered],
    ]),
    config: {
      name: where,
      learningRate: lr,
      decay: rho,
      momentum: mu,
      ...(eps === undefined ? {} : { epsilon: eps }),
      centered,
    },
    toInner: (state: RmspropState) =>
      [{ meanSquare: state.meanSquare, meanGrad: state.meanGrad }, { velocity: state.moment }, {}] as const,
    toOuter: ([rms, momentum]) => ({ meanSquare: rms.meanSquare, moment: momentum.velocity, meanGrad: rms.meanGrad }),
    validate: (grads, state) => {
      assertSameKeys(grads, state.meanSquare, 'rmsprop.update');
      if (centered) assertSameKeys(grads, state.meanGrad, 'rmsprop.update');
    },
  });
}
