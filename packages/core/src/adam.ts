import { checkOptions, checkPositive, checkUnitInterval, optimizerName } from './optimizer-options.js';
import { assertSameKeys } from './tensor-map.js';
import { chain } from './transforms/chain.js';
import { mapState } from './transforms/map-state.js';
import { scaleByAdam, type ScaleByAdamState } from './transforms/scale-by-adam.js';
import { scaleByLearningRate } from './transforms/scale-by-learning-rate.js';
import { jsonConfig } from './transforms/transform-support.js';
import type { Optimizer } from './types.js';

export interface AdamOptions {
  /** Step size α > 0. */
  readonly learningRate: number;
  /** Decay of the first moment, in [0, 1); default 0.9. */
  readonly beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  readonly beta2?: number;
  /** ε > 0 added to √v̂; default the backend's epsilon (1e-7 for float32), as tf.train.adam. */
  readonly epsilon?: number;
}

/** Adam's state: the moments m and v, the step count and βᵗ in float32 (the state of `scaleByAdam`). */
export type AdamState = ScaleByAdamState;

const DEFAULTS = { beta1: 0.9, beta2: 0.999 } as const;

/**
 * Adam as `tf.train.adam(α, β₁, β₂, ε)` computes it, at step t = 1, 2, …:
 * m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  θ ← θ − α (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε),
 * with βᵗ and 1 − βᵗ rounded to float32 at every step as tfjs does. It is
 * `chain(scaleByAdam({ b1: β₁, b2: β₂, eps: ε }), scaleByLearningRate(α))`, with the state of `scaleByAdam` as
 * its own (`{ m, v, step, beta1Power, beta2Power }`). Config `{ name: 'adam', learningRate, beta1?, beta2?, epsilon? }`.
 */
export function adam(options: AdamOptions): Optimizer<AdamState> {
  const where = 'adam';
  const opts = checkOptions(where, options);
  const lr = checkPositive(where, 'learningRate', opts.learningRate);
  const beta1 = checkUnitInterval(where, 'beta1', opts.beta1 ?? DEFAULTS.beta1);
  const beta2 = checkUnitInterval(where, 'beta2', opts.beta2 ?? DEFAULTS.beta2);
  const eps = opts.epsilon === undefined ? undefined : checkPositive(where, 'epsilon', opts.epsilon);
  return mapState(chain(scaleByAdam({ b1: beta1, b2: beta2, eps }), scaleByLearningRate(lr)), {
    name: optimizerName(where, lr, [
      ['beta1', beta1, DEFAULTS.beta1],
      ['beta2', beta2, DEFAULTS.beta2],
      ['epsilon', eps, undefined],
    ]),
    config: jsonConfig({
      name: where,
      learningRate: lr,
      beta1: opts.beta1 === undefined ? undefined : beta1,
      beta2: opts.beta2 === undefined ? undefined : beta2,
      epsilon: eps,
    }),
    toInner: (state: AdamState) => [state, {}] as const,
    toOuter: ([state]) => state,
    validate: (grads, state) => assertSameKeys(grads, state.m, `${where}.update`),
  });
}
