import { type LearnedKind, registerLearnedKind } from '@l2o/core/extend';
import type { LearnedOptimizer } from '@l2o/core';
import { checkLstmMetaParams } from '@l2o/optimizer-lstm/extend';
import { type GacConfig, lstmPartOf, resolveGacConfig } from './config.js';
import type { GacState } from './gac-network.js';
import { GAC_KIND, gacOptimizer } from './gac-optimizer.js';

/** Kind `"lstm-gac"` in core's registry of learned optimizers; registered when this package is imported. */
export const GAC_LEARNED_KIND: LearnedKind<LearnedOptimizer<GacState, GacConfig>> = {
  kind: GAC_KIND,
  create: (config, context) => gacOptimizer(resolveGacConfig(config, context.field)),
  checkMetaParams: (learned, metaParams, field) => checkLstmMetaParams(metaParams, lstmPartOf(learned.config), field),
};

registerLearnedKind(GAC_LEARNED_KIND);
