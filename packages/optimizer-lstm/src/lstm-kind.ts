import { type LearnedKind, registerLearnedKind } from '@l2o/core/extend';
import type { LearnedOptimizer } from '@l2o/core';
import { type LstmConfig, resolveLstmConfig } from './config.js';
import { LSTM_KIND, type LstmState, lstmOptimizer } from './lstm-optimizer.js';
import { checkLstmMetaParams } from './meta-params.js';

/** Kind `"lstm"` in core's registry of learned optimizers; registered when this package is imported. */
export const LSTM_LEARNED_KIND: LearnedKind<LearnedOptimizer<LstmState, LstmConfig>> = {
  kind: LSTM_KIND,
  create: (config, context) => lstmOptimizer(resolveLstmConfig(config, context.field)),
  checkMetaParams: (learned, metaParams, field) => checkLstmMetaParams(metaParams, learned.config, field),
};

registerLearnedKind(LSTM_LEARNED_KIND);
