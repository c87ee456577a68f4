import type { LearnedOptimizer, Optimizer, Rng, TensorMap } from '@l2o/core';
import {
  checkLstmMetaParams,
  checkLstmState,
  coordinatewiseOptimizer,
  initLstmMetaParams,
  lstmZeroState,
} from '@l2o/optimizer-lstm/extend';
import { lstmPartOf, resolveGacConfig, type GacConfig } from './config.js';
import { averagingSegments } from './global-averaging.js';
import { gacStep, type GacState } from './gac-network.js';

/** The kind written into saved artifacts. */
export const GAC_KIND = 'lstm-gac';

/** Zero state for `n` coordinates. The caller owns the returned tensors. */
export function gacZeroState(config: GacConfig, n: number): GacState {
  return lstmZeroState(lstmPartOf(config), n, 'lstm-gac init');
}

/** Throws unless `state` is {h, c} with one [n, H_l] tensor per layer each. */
export function checkGacState(
  state: GacState,
  config: Pick<GacConfig, 'hiddenSizes'>,
  n: number,
  where = 'lstm-gac update',
): void {
  checkLstmState(state, config, n, where);
}

function displayName(config: GacConfig): string {
  const raw = config.preprocessing === 'none' ? '[raw]' : '';
  const per = config.averaging === 'per-tensor' ? ',per-tensor' : '';
  return `${GAC_KIND}(${config.hiddenSizes.join(',')};global ${config.globalCells.join(',')}${per})${raw}`;
}

/**
 * LSTM+GAC (Andrychowicz et al. 2016, §3.2): the coordinatewise LSTM optimizer in which, in every layer, the
 * first `globalCells[l]` cells are global averaging cells — their outgoing activation is replaced at every step
 * by its average across coordinates (all of them, or per parameter tensor with `averaging: 'per-tensor'`).
 * This lets the coordinates share information (e.g. the gradient norm, see `gacL2ClippingMetaParams`).
 * φ has exactly the LSTM optimizer's names and shapes (GAC adds no parameters). Config fields not given
 * default to {@link PAPER_GAC_CONFIG}-like values; invalid fields throw with the field named.
 */
export function gacOptimizer(config: Partial<GacConfig> = {}): LearnedOptimizer<GacState, GacConfig> {
  const cfg = resolveGacConfig(config);
  const lstmCfg = lstmPartOf(cfg);
  const name = displayName(cfg);
  return {
    name,
    kind: GAC_KIND,
    config: cfg,
    initMetaParams(rng: Rng): TensorMap {
      return initLstmMetaParams(lstmCfg, rng);
    },
    withMetaParams(phi: TensorMap): Optimizer<GacState> {
      checkLstmMetaParams(phi, lstmCfg, 'lstm-gac meta-parameters');
      return coordinatewiseOptimizer<GacState>({
        name,
        config: cfg,
        zeroState: (n) => gacZeroState(cfg, n),
        checkState: (state, n) => checkGacState(state, cfg, n),
        step: (input, state, grads) => gacStep(phi, cfg, input, state, averagingSegments(grads, cfg.averaging)),
      });
    },
  };
}
