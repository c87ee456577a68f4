export { hyperOptimizer, JS_PATH_MAX_PARAMETERS } from './hyper-optimizer.js';
export { HYPER_KIND, DEFAULT_HYPER_CONFIG, HYPER_CONFIG_FIELDS, resolveHyperConfig } from './config.js';
export type { HyperConfig } from './config.js';
export type { HyperState } from './hyper-state.js';
export { FEATURE_NAMES } from './features.js';
export { hyperMetaParamShapes, initHyperMetaParams, checkHyperMetaParams, HYPERGRADIENT_GAIN } from './meta-params.js';
export { HYPER_PRESETS, describeHyperPresets, loadHyperPreset } from './presets/presets.js';
export type { HyperPresetData } from './presets/preset-data.js';
export { HYPER_LEARNED_KIND } from './hyper-kind.js';
