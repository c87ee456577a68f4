export {
  MEMORY_FORMS,
  DEFAULT_NTM_BFGS_CONFIG,
  NTM_BFGS_CONFIG_FIELDS,
  DENSE_MAX_COORDINATES,
  resolveNtmBfgsConfig,
} from './config.js';
export type { MemoryForm, NtmBfgsConfig } from './config.js';
export {
  denseMemoryInit,
  denseMemoryWrite,
  denseMemoryRead,
  lowRankMemoryInit,
  lowRankMemoryWrite,
  lowRankMemoryRead,
  lowRankMemoryToDense,
} from './memory.js';
export type { DenseMemory, LowRankMemory } from './memory.js';
export {
  HEADS_W,
  HEADS_B,
  controllerInputSize,
  headCount,
  ntmBfgsMetaParamShapes,
  initNtmBfgsMetaParams,
  checkNtmBfgsMetaParams,
} from './controller-params.js';
export { NTM_BFGS_KIND, ntmBfgsOptimizer, ntmBfgsZeroState } from './ntm-bfgs-optimizer.js';
export type { NtmBfgsState } from './ntm-bfgs-optimizer.js';
export { NTM_BFGS_LEARNED_KIND } from './ntm-bfgs-kind.js';
