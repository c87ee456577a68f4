/**
 * `@l2o/optimizer-lstm/extend`: for authors of learned optimizers built on this one (`@l2o/optimizer-gac`,
 * `@l2o/optimizer-ntm-bfgs`) and of runtime hosts — config field checks, gradient preprocessing, the LSTM cell
 * and its meta-parameters, the coordinatewise wrapper, the fused unroll and inference with hidden units averaged
 * over coordinates (LSTM+GAC), and the hooks that give the 2-thread fused kernels their helper threads. What a user needs is in `@l2o/optimizer-lstm`.
 */
export {
  LSTM_CONFIG_FIELDS,
  showConfigValue,
  checkConfigFields,
  pickConfigFields,
  checkConfigChoice,
  lstmInputSize,
} from './config.js';
export { preprocessGradients } from './preprocessing.js';
export { lstmCell } from './lstm-cell.js';
export {
  lstmParamNames,
  initLstmMetaParams,
  checkLstmMetaParams,
  checkMetaParamShapes,
  OUTPUT_W,
  OUTPUT_B,
} from './meta-params.js';
export { lstmZeroState, checkLstmState, coordinatewiseOptimizer, lstmStatsLens } from './lstm-optimizer.js';
export type { CoordinatewiseSpec } from './lstm-optimizer.js';
export { registerKernelThreads, kernelThreadsAvailable, KERNEL_HELPER_LOOP } from './fused/wasm-kernel.js';
export type { KernelThreadHost, KernelHelperData, WasmMemory } from './fused/wasm-kernel.js';
export {
  beginFusedAveragingUnroll,
  acquireFusedLstm,
  releaseFusedLstm,
  resolveKernelThreads,
  readFlatGradients,
  toFlatLstmState,
  fromFlatLstmState,
} from './fused/fused-unroll.js';
export { suffixAdjoints } from './fused/fused-lstm.js';
export type { FusedLstm, FusedLstmOptions, FlatMetaParams, FlatLstmState } from './fused/fused-lstm.js';
export type { FusedRowAveraging, FusedLstmUnroll, FusedUnrollOptions } from './fused/fused-unroll.js';
export { fusedAveragingInferenceOptimizer } from './fused/fused-inference.js';
