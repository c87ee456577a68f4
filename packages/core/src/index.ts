export type {
  TensorMap,
  BatchData,
  Optimizee,
  OptimizeeFamily,
  Optimizer,
  OptimizerStep,
  InitContext,
  LearnedOptimizer,
  FusedUnroll,
  JsonValue,
  JsonObject,
} from './types.js';
export { optimizerForEvaluation } from './types.js';
export { Rng } from './rng.js';
export type { RngState } from './rng.js';
export {
  orderedKeys,
  addMaps,
  dotMaps,
  mapSize,
  flattenMap,
  unflattenLike,
  disposeMap,
  cloneMap,
  disposeBatch,
  assertSameKeys,
} from './tensor-map.js';
export { lossAndGrad } from './loss-and-grad.js';
export { initEngine, ensureEngine, engineInfo, parseBackend, registerEngineHost, BACKENDS } from './engine/engine.js';
export type { BackendName, EngineInfo, EngineHost } from './engine/engine.js';
export { evaluate, problemStreams, summarise, quantile } from './evaluate.js';
export type { EvaluateEntry, EvaluateOptions, OptimizerCurve, EvaluationResult, ProblemStreams } from './evaluate.js';
export { unrollMetaGradient } from './meta-gradient.js';
export { metaTrain, ESTIMATORS, VALIDATION_METRICS } from './meta-train.js';
export type {
  MetaTrainOptions,
  MetaTrainProgress,
  MetaTrainResult,
  MetaTrainHistoryEntry,
  EstimatorName,
  ValidationMetric,
} from './meta-train.js';
export type { MetaGradientEstimator, MetaGradientEstimate, EstimatorOptions } from './estimator.js';
export { bpttEstimator } from './estimator-bptt.js';
export { fusedBpttEstimator } from './estimator-bptt-fused.js';
export { pesEstimator } from './estimator-pes.js';
export type { PesOptions } from './estimator-pes.js';
export { estimatorFromConfig } from './estimator-from-config.js';
export { inProcessExecutor } from './executor.js';
export type { MetaStepExecutor, MetaStepRequest } from './executor.js';
export { newEpisodeSlot, slotProblem, encodeSlot, decodeSlot, slotContainer, checkSlotInfo } from './meta-slot.js';
export type { MetaSlot, SlotInfo } from './meta-slot.js';
export type { HorizonOption } from './horizon.js';
export { LOSS_WEIGHT_RULES, LOSS_TRANSFORMS } from './meta-objective.js';
export type { LossWeighting, LossWeightRule, LossTransform } from './meta-objective.js';
export { readCheckpoint, encodeCheckpoint, memoryCheckpointStore } from './checkpoint.js';
export type { MetaCheckpoint, CheckpointStore } from './checkpoint.js';
export { registerWasmKernels, ADDED_WASM_KERNELS, REPLACED_WASM_KERNELS } from './engine/wasm-kernels.js';
export { adam } from './adam.js';
export type { AdamOptions, AdamState } from './adam.js';
export {
  checkPositive,
  checkUnitInterval,
  checkBoolean,
  checkOptions,
  optimizerName,
  resolveEpsilon,
  zerosLikeMap,
} from './optimizer-options.js';
export { L2oIoError, ioError } from './io-error.js';
export { crc32 } from './crc32.js';
export { sha256Hex, sha256HexAsync } from './sha256.js';
export {
  encodeContainer,
  decodeContainer,
  packBinaryFile,
  unpackBinaryFile,
  BINARY_FILE_MAGIC,
  BINARY_FILE_VERSION,
} from './container-codec.js';
export type { ContainerValue } from './container-codec.js';
export {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  L2O_CORE_VERSION,
  MANIFEST_FILE,
  WEIGHTS_FILE,
  encodeArtifact,
  decodeArtifact,
  decodeArtifactAsync,
  parseArtifactManifest,
  checkMetaParamsFit,
} from './serialization.js';
export type { ArtifactManifest, ArtifactWeightEntry, ArtifactInput } from './serialization.js';
export { saveArtifactTo, loadArtifactFrom } from './tf-io-artifact.js';
export type { ArtifactLocation } from './tf-io-artifact.js';
export { toTfOptimizer, L2oTfOptimizer, VARIABLE_CHANGE_POLICIES, L2O_STATE_WEIGHT } from './tf-optimizer-adapter.js';
export type { TfOptimizerOptions, VariableChangePolicy, NamedTensorEntry } from './tf-optimizer-adapter.js';
export { partitionLearned, partitionLearnedFromConfig, splitPartitionMetaParams } from './partition.js';
export { partitionOptimizer } from './transforms/partition-optimizer.js';
export type { PartitionGroup, PartitionOptions, PartitionState } from './transforms/partition-optimizer.js';
export type { ParamMatcher } from './transforms/param-routing.js';
export { residualLearned, residualLearnedFromConfig } from './residual.js';
export type { ResidualOptions, ResidualConfig, ResidualState } from './residual.js';
export type { LearnedPartitionGroup, LearnedPartitionOptions, LearnedPartitionConfig } from './partition.js';
export { chain } from './transforms/chain.js';
export type { ChainState, StateOf } from './transforms/chain.js';
export { scaleByAdam } from './transforms/scale-by-adam.js';
export type { ScaleByAdamOptions, ScaleByAdamState } from './transforms/scale-by-adam.js';
export { scaleByRms } from './transforms/scale-by-rms.js';
export type { ScaleByRmsOptions, ScaleByRmsState } from './transforms/scale-by-rms.js';
export { trace } from './transforms/trace.js';
export type { TraceOptions, TraceState } from './transforms/trace.js';
export { scaleByLearningRate } from './transforms/scale-by-learning-rate.js';
export type { LearningRate, ScheduledState } from './transforms/scale-by-learning-rate.js';
export { scale } from './transforms/scale.js';
export { clipByGlobalNorm } from './transforms/clip-by-global-norm.js';
export { addDecayedWeights } from './transforms/add-decayed-weights.js';
export { masked } from './transforms/masked.js';
export { sumOf } from './transforms/sum-of.js';
export type { SumState } from './transforms/sum-of.js';
export { mapState } from './transforms/map-state.js';
export type { MapStateOptions } from './transforms/map-state.js';
export type { EmptyState } from './transforms/transform-support.js';
export { optimizerFromConfig } from './transforms/optimizer-from-config.js';
export type { OptimizerFromConfigOptions } from './transforms/optimizer-from-config.js';
export { constantSchedule } from './schedules/constant.js';
export { cosineDecaySchedule } from './schedules/cosine-decay.js';
export type { CosineDecayScheduleOptions } from './schedules/cosine-decay.js';
export { warmupCosineDecaySchedule } from './schedules/warmup-cosine-decay.js';
export type { WarmupCosineDecayScheduleOptions } from './schedules/warmup-cosine-decay.js';
export { linearSchedule } from './schedules/linear.js';
export type { LinearScheduleOptions } from './schedules/linear.js';
export { exponentialDecaySchedule } from './schedules/exponential-decay.js';
export type { ExponentialDecayScheduleOptions } from './schedules/exponential-decay.js';
export { joinSchedules } from './schedules/join.js';
export type { JoinSchedulesOptions } from './schedules/join.js';
export { scheduleFromConfig } from './schedules/from-config.js';
export type { Schedule, ScheduleConfig } from './schedules/schedule.js';
export { softmaxCrossEntropy, classificationAccuracy } from './classification.js';
export { batchNormReluMaxPool } from './batch-norm-relu-max-pool.js';
export type { BatchNormReluMaxPoolOptions } from './batch-norm-relu-max-pool.js';
export { mixtureFamily } from './mixture-family.js';
export type { MixtureComponent } from './mixture-family.js';
export { reparameterizedFamily, REPARAMETERIZATION_LEVELS } from './reparameterized-family.js';
export type { ReparameterizationLevel, ReparameterizationOptions } from './reparameterized-family.js';
export { lossScaledFamily } from './loss-scaled-family.js';
export { resizeImages, LUMA_WEIGHTS } from './image-resize.js';
export type { ImageGeometry, ResizeImagesOptions } from './image-resize.js';
