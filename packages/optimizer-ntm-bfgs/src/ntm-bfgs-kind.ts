import { type LearnedKind, registerLearnedKind } from '@l2o/core/extend';
import type { LearnedOptimizer } from '@l2o/core';
import { type NtmBfgsConfig, resolveNtmBfgsConfig } from './config.js';
import { checkNtmBfgsMetaParams } from './controller-params.js';
import { NTM_BFGS_KIND, type NtmBfgsState, ntmBfgsOptimizer } from './ntm-bfgs-optimizer.js';

/** Kind `"ntm-bfgs"` in core's registry of learned optimizers; registered when this package is imported. */
export const NTM_BFGS_LEARNED_KIND: LearnedKind<LearnedOptimizer<NtmBfgsState, NtmBfgsConfig>> = {
  kind: NTM_BFGS_KIND,
  create: (config, context) => ntmBfgsOptimizer(resolveNtmBfgsConfig(config, context.field)),
  checkMetaParams: (learned, metaParams, field) => checkNtmBfgsMetaParams(metaParams, learned.config, field),
};

registerLearnedKind(NTM_BFGS_LEARNED_KIND);
