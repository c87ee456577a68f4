export { sgd } from './sgd.js';
export type { SgdOptions, SgdState } from './sgd.js';
export { nag } from './nag.js';
export type { NagOptions, NagState } from './nag.js';
export { rmsprop } from './rmsprop.js';
export type { RmspropOptions, RmspropState } from './rmsprop.js';
// Adam lives in @l2o/core (it is also the meta-trainer's default optimizer of φ); re-exported here so the
// four baselines come from one place.
export { adam } from '@l2o/core';
export type { AdamOptions } from '@l2o/core';
export type { AdamState } from '@l2o/core/extend';
export { BASELINE_NAMES, makeBaseline, parseBaselineName, baselineFromConfig } from './registry.js';
export type { BaselineName } from './registry.js';
export {
  tuneLearningRate,
  tuneBaselines,
  DEFAULT_LEARNING_RATE_GRID,
  TUNE_METRICS,
  halfDecade,
  nextHalfDecade,
  scoreCurve,
} from './tune-learning-rate.js';
export type {
  TuneMetric,
  TuneProgress,
  TuneOptions,
  TuneLearningRateOptions,
  TuneBaselinesOptions,
  LearningRateScore,
  TuneResult,
  TunedBaseline,
} from './tune-learning-rate.js';
