import { type LearnedKind, registerLearnedKind } from '@l2o/core/extend';
import type { LearnedOptimizer } from '@l2o/core';
import { HYPER_KIND, type HyperConfig, resolveHyperConfig } from './config.js';
import { hyperOptimizer } from './hyper-optimizer.js';
import type { HyperState } from './hyper-state.js';
import { checkHyperMetaParams } from './meta-params.js';

/** Kind `"hyper"` in core's registry of learned optimizers; registered when this package is imported. */
export const HYPER_LEARNED_KIND: LearnedKind<LearnedOptimizer<HyperState, HyperConfig>> = {
  kind: HYPER_KIND,
  create: (config, context) => hyperOptimizer(resolveHyperConfig(config, context.field)),
  checkMetaParams: (learned, metaParams, field) => checkHyperMetaParams(metaParams, learned.config, field),
};

registerLearnedKind(HYPER_LEARNED_KIND);
