/**
 * `@l2o/optimizer-lstm`: the paper's coordinatewise LSTM optimizer — its configurations, presets, the fused
 * inference path, and learned `tf.Optimizer`s. The building blocks other learned optimizers reuse (config
 * checks, the LSTM cell, its meta-parameters, the coordinatewise wrapper) and the kernel-thread host hooks are in
 * `@l2o/optimizer-lstm/extend`; the fused kernels' internals are private.
 */
export {
  PREPROCESSING_MODES,
  PAPER_CONFIG,
  DEFAULT_LSTM_CONFIG,
  REFERENCE_QUADRATIC_CONFIG,
  REFERENCE_MNIST_CONFIG,
  resolveLstmConfig,
} from './config.js';
export type { LstmConfig, Preprocessing } from './config.js';
export { lstmMetaParamCount } from './meta-params.js';
export { LSTM_KIND, lstmOptimizer } from './lstm-optimizer.js';
export type { LstmState } from './lstm-optimizer.js';
export { releaseFusedLstmKernels } from './fused/fused-unroll.js';
export { fusedKernelSupported } from './fused/wasm-kernel.js';
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
