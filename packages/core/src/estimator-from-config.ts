import type * as tf from '@tensorflow/tfjs';
import type { MetaGradientEstimator } from './estimator.js';
import { fusedBpttEstimator } from './estimator-bptt-fused.js';
import { bpttEstimator } from './estimator-bptt.js';
import { pesEstimator } from './estimator-pes.js';
import type { LossTransform, LossWeighting } from './meta-objective.js';
import type { JsonObject, LearnedOptimizer } from './types.js';
import { L2oError } from './l2o-error.js';

/**
 * The shipped estimator whose `config` this is, for `learned` — how a worker in another process or machine
 * rebuilds the learner's estimator from a job. Throws, naming the field, on a config no shipped estimator wrote.
 */
export function estimatorFromConfig<State extends tf.TensorContainer>(
  learned: LearnedOptimizer<State>,
  config: JsonObject,
): MetaGradientEstimator {
  const { estimator, unroll, lossWeights, lossTransform, sigma } = config;
  if (typeof unroll !== 'number')
    throw new L2oError('INVALID_OPTION', 'estimatorFromConfig: config.unroll must be a number');
  const common = {
    learned,
    unroll,
    lossWeights: lossWeights as LossWeighting,
    lossTransform: lossTransform as LossTransform,
  };
  if (estimator === 'bptt') return bpttEstimator(common);
  if (estimator === 'bptt-fused') return fusedBpttEstimator(common);
  if (estimator === 'pes') return pesEstimator({ ...common, sigma: sigma as number });
  throw new L2oError(
    'INVALID_OPTION',
    `estimatorFromConfig: config.estimator: unknown "${String(estimator)}"; allowed values: bptt, bptt-fused, pes`,
  );
}
