/**
 * `@l2o/core/extend`: for authors of optimizer and optimizee packages — what a plugin needs and a user of
 * learned optimizers does not: option checkers, tensor-map helpers, the artifact and container codecs and
 * their manifest helpers, checksums, meta-training slots and executors (for distributed meta-training), the
 * engine's host registration, the option types of the transforms and schedules, the allowed values of
 * `metaTrain`'s options, and building blocks of optimizees (classification losses, a fused CNN block, image
 * resizing). Everything a user needs is in `@l2o/core`.
 */
export type { OptimizerStep, InitContext, FusedUnroll, JsonValue } from './types.js';
export type { RngState } from './rng.js';
export {
  orderedKeys,
  addMaps,
  mapSize,
  flattenMap,
  unflattenLike,
  cloneMap,
  disposeBatch,
  assertSameKeys,
} from './tensor-map.js';
export { ensureEngine, parseBackend, registerEngineHost, BACKENDS } from './engine/engine.js';
export type { BackendName, EngineInfo, EngineHost } from './engine/engine.js';
export { quantile, summarise } from './evaluate.js';
export { validationSeed } from './meta-train-validation.js';
export type { EvaluateEntry } from './evaluate.js';
export { unrollMetaGradient } from './meta-gradient.js';
export { ESTIMATORS, VALIDATION_METRICS } from './meta-train.js';
export type { MetaTrainHistoryEntry, EstimatorName, ValidationMetric } from './meta-train.js';
export type { MetaGradientEstimate, EstimatorOptions } from './estimator.js';
export type { PesOptions } from './estimator-pes.js';
export { estimatorFromConfig } from './estimator-from-config.js';
export { inProcessExecutor } from './executor.js';
export type { MetaStepExecutor, MetaStepRequest } from './executor.js';
export { encodeSlot, slotContainer, slotProblem, checkSlotInfo } from './meta-slot.js';
export type { MetaSlot, SlotInfo } from './meta-slot.js';
export type { HorizonOption } from './horizon.js';
export { LOSS_WEIGHT_RULES, LOSS_TRANSFORMS } from './meta-objective.js';
export type { LossWeighting, LossWeightRule, LossTransform } from './meta-objective.js';
export { readCheckpoint, encodeCheckpoint } from './checkpoint.js';
export type { MetaCheckpoint } from './checkpoint.js';
export type { AdamState } from './adam.js';
export {
  checkPositive,
  checkUnitInterval,
  checkBoolean,
  checkOptions,
  optimizerName,
  resolveEpsilon,
  zerosLikeMap,
} from './optimizer-options.js';
export { ioError } from './io-error.js';
export { crc32 } from './crc32.js';
export { encodeContainer, decodeContainer, packBinaryFile, unpackBinaryFile } from './container-codec.js';
export type { ContainerValue } from './container-codec.js';
export {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  L2O_CORE_VERSION,
  MANIFEST_FILE,
  WEIGHTS_FILE,
  encodeArtifact,
  decodeArtifact,
  parseArtifactManifest,
  checkMetaParamsFit,
} from './serialization.js';
export type { ArtifactManifest, ArtifactWeightEntry, ArtifactInput } from './serialization.js';
export { saveArtifactTo, loadArtifactFrom } from './tf-io-artifact.js';
export type { ArtifactLocation } from './tf-io-artifact.js';
export { L2oTfOptimizer, VARIABLE_CHANGE_POLICIES, L2O_STATE_WEIGHT } from './tf-optimizer-adapter.js';
export type { VariableChangePolicy, NamedTensorEntry } from './tf-optimizer-adapter.js';
export { partitionLearnedFromConfig, splitPartitionMetaParams } from './partition.js';
export type { LearnedPartitionGroup, LearnedPartitionOptions, LearnedPartitionConfig } from './partition.js';
export type { PartitionGroup, PartitionOptions, PartitionState } from './transforms/partition-optimizer.js';
export type { ParamMatcher } from './transforms/param-routing.js';
export { residualLearnedFromConfig } from './residual.js';
export type { ResidualOptions, ResidualConfig, ResidualState } from './residual.js';
export type { ChainState, StateOf } from './transforms/chain.js';
export type { ScaleByAdamOptions, ScaleByAdamState } from './transforms/scale-by-adam.js';
export type { ScaleByRmsOptions, ScaleByRmsState } from './transforms/scale-by-rms.js';
export type { TraceOptions, TraceState } from './transforms/trace.js';
export type { LearningRate, ScheduledState } from './transforms/scale-by-learning-rate.js';
export { sumOf } from './transforms/sum-of.js';
export type { SumState } from './transforms/sum-of.js';
export { mapState } from './transforms/map-state.js';
export type { MapStateOptions } from './transforms/map-state.js';
export type { EmptyState } from './transforms/transform-support.js';
export type { OptimizerFromConfigOptions } from './transforms/optimizer-from-config.js';
export type { CosineDecayScheduleOptions } from './schedules/cosine-decay.js';
export type { WarmupCosineDecayScheduleOptions } from './schedules/warmup-cosine-decay.js';
export type { LinearScheduleOptions } from './schedules/linear.js';
export type { ExponentialDecayScheduleOptions } from './schedules/exponential-decay.js';
export type { JoinSchedulesOptions } from './schedules/join.js';
export { scheduleFromConfig } from './schedules/from-config.js';
export type { ScheduleConfig } from './schedules/schedule.js';
export { softmaxCrossEntropy, classificationAccuracy } from './classification.js';
export { batchNormReluMaxPool } from './batch-norm-relu-max-pool.js';
export type { BatchNormReluMaxPoolOptions } from './batch-norm-relu-max-pool.js';
export type { MixtureComponent } from './mixture-family.js';
export { REPARAMETERIZATION_LEVELS } from './reparameterized-family.js';
export type { ReparameterizationLevel, ReparameterizationOptions } from './reparameterized-family.js';
export { resizeImages, LUMA_WEIGHTS } from './image-resize.js';
export type { ImageGeometry, ResizeImagesOptions } from './image-resize.js';
// The registry of learned-optimizer kinds (packages register their kinds; loaders dispatch on a manifest's kind).
export {
  registerLearnedKind,
  registeredLearnedKinds,
  learnedKindFor,
  learnedFromConfig,
  learnedFromArtifact,
  encodeLearned,
  decodeLearned,
} from './learned-kinds.js';
export type {
  LearnedKind,
  LearnedKindContext,
  LoadedLearned,
  LearnedToSave,
  LoadLearnedOptions,
} from './learned-kinds.js';
export { registerOptimizerConfigs } from './optimizer-configs.js';
export type { OptimizerConfigEntry } from './optimizer-configs.js';
// For packages that add their own WebAssembly kernels on tfjs-backend-wasm's memory (tools/heap-wasm-build.sh).
export { heapModule } from './engine/kernels/heap-module.js';
export type { HeapModuleExports } from './engine/kernels/heap-module.js';
export { heapOffset } from './engine/kernels/wasm-heap.js';
export type { WasmBackendLike, WasmKernelArgs, WasmKernelFunc } from './engine/kernels/wasm-heap.js';
export { base64ToBytes, bytesToBase64 } from './base64.js';
export { hostTensor, hostValues } from './host-values.js';
