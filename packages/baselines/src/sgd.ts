import { type Optimizer, scaleByLearningRate } from '@l2o/core';
import { assertSameKeys, checkOptions, checkPositive, mapState, optimizerName } from '@l2o/core/extend';

export interface SgdOptions {
  /** Step size α > 0. */
  readonly learningRate: number;
}

/** Plain gradient descent keeps no state. */
export type SgdState = Readonly<Record<string, never>>;

/**
 * Stochastic gradient descent: θ ← θ − α ∇f(θ), exactly as `tf.train.sgd(α)` computes it. It is core's
 * `scaleByLearningRate(α)`. Config `{ name: 'sgd', learningRate }`.
 */
export function sgd(options: SgdOptions): Optimizer<SgdState> {
  const opts = checkOptions('sgd', options);
  const lr = checkPositive('sgd', 'learningRate', opts.learningRate);
  return mapState(scaleByLearningRate(lr), {
    name: optimizerName('sgd', lr),
    config: { name: 'sgd', learningRate: lr },
    toInner: (state: SgdState) => state,
    toOuter: (state) => state,
    validate: (grads, _state, params) => assertSameKeys(grads, params, 'sgd.update'),
  });
}
