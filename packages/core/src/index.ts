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
export { initEngine, ensureEngine, engineInfo, parseBackend, BACKENDS } from './engine/engine.js';
export type { BackendName, EngineInfo } from './engine/engine.js';
export { evaluate, problemStreams, summarise, quantile } from './evaluate.js';
export type { EvaluateEntry, EvaluateOptions, OptimizerCurve, EvaluationResult, ProblemStreams } from './evaluate.js';
export { lossCurvesSvg, metaTrainingSvg, logTicks, linearTicks, escapeXml, PALETTE } from './plot-svg.js';
export type { LossCurvesSvgOptions, MetaTrainingSvgOptions, MetaTrainingPoint } from './plot-svg.js';
export { evaluationTable, formatTable, formatNumber } from './report-table.js';
export type { EvaluationTableOptions, TableFormat, ColumnAlign } from './report-table.js';
export { unrollMetaGradient } from './meta-gradient.js';
export { metaTrain } from './meta-train.js';
export type { MetaTrainOptions, MetaTrainProgress, MetaTrainResult, MetaTrainHistoryEntry } from './meta-train.js';
export { readCheckpoint, readCheckpointFile, writeCheckpoint } from './checkpoint.js';
export type { MetaCheckpoint } from './checkpoint.js';
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
export {
  writeFileAtomic,
  writeDirAtomic,
  recoverDirAtomic,
  atomicLeftovers,
  cleanStaleTempFiles,
} from './atomic-write.js';
export type { FileData, AtomicLeftover } from './atomic-write.js';
export { L2oIoError, ensureDirectory, ioError } from './io-error.js';
export { acquireRunLock, RunLockHeldError, RUN_LOCK_FILE } from './run-lock.js';
export type { RunLock, RunLockHolder } from './run-lock.js';
export { crc32 } from './crc32.js';
export { packageDir } from './package-dir.js';
export type { PackageDirContext } from './package-dir.js';
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
  parseArtifactManifest,
  saveArtifact,
  loadArtifact,
  loadLearnedArtifact,
  checkMetaParamsFit,
} from './serialization.js';
export type { ArtifactManifest, ArtifactWeightEntry, ArtifactInput } from './serialization.js';
export { toTfOptimizer, L2oTfOptimizer, VARIABLE_CHANGE_POLICIES, L2O_STATE_WEIGHT } from './tf-optimizer-adapter.js';
export type { TfOptimizerOptions, VariableChangePolicy, NamedTensorEntry } from './tf-optimizer-adapter.js';
export {
  partitionOptimizer,
  partitionLearned,
  partitionLearnedFromConfig,
  splitPartitionMetaParams,
} from './partition.js';
export { residualLearned, residualLearnedFromConfig } from './residual.js';
export type { ResidualOptions, ResidualConfig, ResidualState } from './residual.js';
export type {
  ParamMatcher,
  PartitionGroup,
  PartitionOptions,
  PartitionState,
  LearnedPartitionGroup,
  LearnedPartitionOptions,
  LearnedPartitionConfig,
} from './partition.js';
export { softmaxCrossEntropy, classificationAccuracy } from './classification.js';
