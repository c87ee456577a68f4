export {
  PREPROCESSING_MODES,
  PAPER_CONFIG,
  DEFAULT_LSTM_CONFIG,
  REFERENCE_QUADRATIC_CONFIG,
  REFERENCE_MNIST_CONFIG,
  resolveLstmConfig,
  lstmInputSize,
  preprocessingHasStats,
  LSTM_CONFIG_FIELDS,
  showConfigValue,
  checkConfigFields,
  pickConfigFields,
  checkConfigChoice,
} from './config.js';
export type { LstmConfig, Preprocessing } from './config.js';
export { preprocessGradients } from './preprocessing.js';
export {
  MOMENT_DECAYS,
  MOMENT_EPSILON,
  MOMENT_STATS_SIZE,
  MOMENT_INPUT_SIZE,
  momentInputs,
  momentZeroStats,
  writeMomentInputs,
} from './moment-features.js';
export { lstmCell } from './lstm-cell.js';
export {
  lstmParamNames,
  lstmMetaParamShapes,
  lstmMetaParamCount,
  initLstmMetaParams,
  checkLstmMetaParams,
  checkMetaParamShapes,
  OUTPUT_W,
  OUTPUT_B,
} from './meta-params.js';
export {
  LSTM_KIND,
  lstmOptimizer,
  lstmStep,
  lstmZeroState,
  checkLstmState,
  coordinatewiseOptimizer,
} from './lstm-optimizer.js';
export type { LstmState, CoordinatewiseSpec } from './lstm-optimizer.js';
export { beginFusedLstmUnroll, withFusedLstmUnroll, releaseFusedLstmKernels } from './fused/fused-unroll.js';
export type { FusedLstmUnroll, FusedUnrollOptions } from './fused/fused-unroll.js';
export { createFusedLstm, suffixAdjoints } from './fused/fused-lstm.js';
export type { FusedLstm, FusedLstmOptions, FlatMetaParams, FlatLstmState } from './fused/fused-lstm.js';
export {
  fusedKernelSupported,
  registerKernelThreads,
  kernelThreadsAvailable,
  KERNEL_HELPER_LOOP,
} from './fused/wasm-kernel.js';
export type { KernelThreadHost, KernelHelperData, WasmMemory } from './fused/wasm-kernel.js';
export {
  fusedLstmInferenceOptimizer,
  releaseFusedLstmInferenceKernels,
  fusedLstmInferenceMemoryBytes,
} from './fused/fused-inference.js';
export type { FusedLstmInferenceOptions } from './fused/fused-inference.js';
export { LSTM_PRESETS, describeLstmPresets, loadLstmPreset } from './presets/presets.js';
export type { LstmPresetData } from './presets/preset-data.js';
export type { LstmPresetOptimizer } from './presets/presets.js';
export {
  learnedTfOptimizer,
  loadLearnedOptimizer,
  saveLearnedOptimizer,
  registerLearnedTfOptimizer,
  LearnedTfOptimizer,
} from './tfjs/learned-tf-optimizer.js';
export type { LearnedOptimizerSource, LoadedLearnedOptimizer } from './tfjs/learned-tf-optimizer.js';
export { LSTM_LEARNED_KIND } from './lstm-kind.js';
