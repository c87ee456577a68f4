/**
 * `@l2o/core`: what a user of learned optimizers needs — the contracts, the engine, `lossAndGrad`, `evaluate`,
 * `metaTrain` and its meta-gradient estimators, Adam and the composable transforms and schedules, the task
 * families, `toTfOptimizer`. What only authors of optimizer and optimizee packages need (option checkers, the
 * artifact and container codecs, slot encoding, tensor-map helpers, …) is in `@l2o/core/extend`; files on disk
 * in `@l2o/core/node`; the conformance suite in `@l2o/core/testing`.
 */
export type {
  TensorMap,
  BatchData,
  Optimizee,
  OptimizeeFamily,
  Optimizer,
  LearnedOptimizer,
  JsonObject,
} from './types.js';
export { optimizerForEvaluation } from './types.js';
export { Rng } from './rng.js';
export { disposeMap } from './tensor-map.js';
export { lossAndGrad } from './loss-and-grad.js';
export { initEngine, engineInfo } from './engine/engine.js';
export { evaluate } from './evaluate.js';
export type { EvaluateOptions, OptimizerCurve, EvaluationResult } from './evaluate.js';
export { metaTrain } from './meta-train.js';
export type { MetaTrainOptions, MetaTrainProgress, MetaTrainResult } from './meta-train.js';
export type { MetaGradientEstimator } from './estimator.js';
export { bpttEstimator } from './estimator-bptt.js';
export { fusedBpttEstimator } from './estimator-bptt-fused.js';
export { pesEstimator } from './estimator-pes.js';
export { memoryCheckpointStore } from './checkpoint.js';
export type { CheckpointStore } from './checkpoint.js';
export { adam } from './adam.js';
export type { AdamOptions } from './adam.js';
export { L2oIoError } from './io-error.js';
export { toTfOptimizer } from './tf-optimizer-adapter.js';
export type { TfOptimizerOptions } from './tf-optimizer-adapter.js';
export { partitionLearned } from './partition.js';
export { partitionOptimizer } from './transforms/partition-optimizer.js';
export { residualLearned } from './residual.js';
export { chain } from './transforms/chain.js';
export { scaleByAdam } from './transforms/scale-by-adam.js';
export { scaleByRms } from './transforms/scale-by-rms.js';
export { trace } from './transforms/trace.js';
export { scaleByLearningRate } from './transforms/scale-by-learning-rate.js';
export { scale } from './transforms/scale.js';
export { clipByGlobalNorm } from './transforms/clip-by-global-norm.js';
export { addDecayedWeights } from './transforms/add-decayed-weights.js';
export { masked } from './transforms/masked.js';
export { optimizerFromConfig } from './transforms/optimizer-from-config.js';
export { constantSchedule } from './schedules/constant.js';
export { cosineDecaySchedule } from './schedules/cosine-decay.js';
export { warmupCosineDecaySchedule } from './schedules/warmup-cosine-decay.js';
export { linearSchedule } from './schedules/linear.js';
export { exponentialDecaySchedule } from './schedules/exponential-decay.js';
export { joinSchedules } from './schedules/join.js';
export type { Schedule } from './schedules/schedule.js';
export { mixtureFamily } from './mixture-family.js';
export { reparameterizedFamily } from './reparameterized-family.js';
export { lossScaledFamily } from './loss-scaled-family.js';
export { L2oError, L2O_ERROR_CODES, isL2oError } from './l2o-error.js';
export type { L2oErrorCode } from './l2o-error.js';
export { optimizeeFromLayersModel } from './layers-model-optimizee.js';
export type {
  LayersBatch,
  LayersDataSource,
  LayersLossFn,
  LayersModelFamily,
  LayersModelOptimizeeOptions,
} from './layers-model-optimizee.js';
