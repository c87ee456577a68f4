import { chain, type Optimizer, scaleByLearningRate, type TensorMap, trace } from '@l2o/core';
import {
  assertSameKeys,
  checkOptions,
  checkPositive,
  checkUnitInterval,
  mapState,
  optimizerName,
} from '@l2o/core/extend';

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
 * v ← μ v + g;  θ ← θ − α (g + μ v). It is core's `chain(trace({ decay: μ, nesterov: true }), scaleByLearningRate(α))`
 * with the state of `trace`. Config `{ name: 'nag', learningRate, momentum }`.
 */
export function nag(options: NagOptions): Optimizer<NagState> {
  const opts = checkOptions('nag', options);
  const lr = checkPositive('nag', 'learningRate', opts.learningRate);
  const mu = checkUnitInterval('nag', 'momentum', opts.momentum ?? DEFAULT_MOMENTUM);
  return mapState(chain(trace({ decay: mu, nesterov: true }), scaleByLearningRate(lr)), {
    name: optimizerName('nag', lr, [['momentum', mu, DEFAULT_MOMENTUM]]),
    config: { name: 'nag', learningRate: lr, momentum: mu },
    toInner: (state: NagState) => [state, {}] as const,
    toOuter: ([state]) => state,
    validate: (grads, state) => assertSameKeys(grads, state.velocity, 'nag.update'),
  });
}
