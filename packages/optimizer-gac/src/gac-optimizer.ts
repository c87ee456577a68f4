import * as tf from '@tensorflow/tfjs';
import { flattenMap, mapSize, unflattenLike } from '@l2o/core';
import type { LearnedOptimizer, Optimizer, Rng, TensorMap } from '@l2o/core';
import { checkLstmMetaParams, initLstmMetaParams, lstmZeroState, preprocessGradients } from '@l2o/optimizer-lstm';
import { lstmPartOf, resolveGacConfig, type GacConfig } from './config.js';
import { averagingSegments } from './global-averaging.js';
import { gacStep, type GacState } from './gac-network.js';

/** The kind written into saved artifacts. */
export const GAC_KIND = 'lstm-gac';

/** Zero state for `n` coordinates. The caller owns the returned tensors. */
export function gacZeroState(config: GacConfig, n: number): GacState {
  if (!Number.isInteger(n) || n < 1) throw new Error(`lstm-gac init: the parameters must hold at least one coordinate; got ${n}`);
  return lstmZeroState(lstmPartOf(config), n);
}

/** Throws unless `state` is {h, c} with one [n, H_l] tensor per layer each. */
export function checkGacState(state: GacState, config: Pick<GacConfig, 'hiddenSizes'>, n: number, where = 'lstm-gac update'): void {
  const L = config.hiddenSizes.length;
  if (!state || !Array.isArray(state.h) || !Array.isArray(state.c) || state.h.length !== L || state.c.length !== L) {
    throw new Error(`${where}: state must be {h, c} with ${L} tensors each (one per layer of hiddenSizes)`);
  }
  config.hiddenSizes.forEach((hs, l) => {
    for (const [name, t] of [
      ['h', state.h[l]!],
      ['c', state.c[l]!],
    ] as const) {
      if (t.shape.length !== 2 || t.shape[0] !== n || t.shape[1] !== hs) {
        throw new Error(
          `${where}: state.${name}[${l}] has shape [${t.shape.join(', ')}]; expected [${n}, ${hs}] ` +
            `(${n} coordinates in the gradients, hiddenSizes[${l}] = ${hs})`,
        );
      }
    }
  });
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
      return {
        name,
        init(params: TensorMap): GacState {
          return gacZeroState(cfg, mapSize(params));
        },
        update(grads: TensorMap, state: GacState, params: TensorMap) {
          const n = mapSize(grads);
          checkGacState(state, cfg, n);
          void params;
          const segments = averagingSegments(grads, cfg.averaging);
          return tf.tidy(() => {
            const input = preprocessGradients(flattenMap(grads), cfg);
            const step = gacStep(phi, cfg, input, state, segments);
            return { updates: unflattenLike(step.output, grads), state: step.state };
          });
        },
      };
    },
  };
}
