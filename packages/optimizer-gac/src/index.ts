export { AVERAGING_MODES, PAPER_GAC_CONFIG, GAC_CONFIG_FIELDS, resolveGacConfig, lstmPartOf } from './config.js';
export type { Averaging, GacConfig } from './config.js';
export { averagingSegments, globalAverage } from './global-averaging.js';
export { gacLayers, gacStep } from './gac-network.js';
export type { GacState } from './gac-network.js';
export { GAC_KIND, gacOptimizer, gacZeroState, checkGacState } from './gac-optimizer.js';
export { gacL2ClippingMetaParams } from './l2-clipping.js';
export type { L2ClippingOptions } from './l2-clipping.js';
export { GAC_LEARNED_KIND } from './gac-kind.js';
