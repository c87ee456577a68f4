import type { LearnedOptimizer, Optimizer, Rng, TensorMap } from '@l2o/core';
import type { FusedUnroll } from '@l2o/core/extend';
import { fusedKernelSupported } from '@l2o/optimizer-lstm';
import {
  beginFusedAveragingUnroll,
  checkLstmMetaParams,
  checkLstmState,
  coordinatewiseOptimizer,
  type FusedRowAveraging,
  fusedAveragingInferenceOptimizer,
  initLstmMetaParams,
  lstmStatsLens,
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

/** Throws unless `state` is {h, c} with one [n, H_l] tensor per layer each (and `stats` [n, 4] with moment inputs). */
export function checkGacState(
  state: GacState,
  config: Pick<GacConfig, 'hiddenSizes'> & Partial<Pick<GacConfig, 'preprocessing'>>,
  n: number,
  where = 'lstm-gac update',
): void {
  checkLstmState(state, config, n, where);
}

function displayName(config: GacConfig): string {
  const raw =
    config.preprocessing === 'none' ? '[raw]' : config.preprocessing === 'log-sign-moments' ? '[moments]' : '';
  const per = config.averaging === 'per-tensor' ? ',per-tensor' : '';
  return `${GAC_KIND}(${config.hiddenSizes.join(',')};global ${config.globalCells.join(',')}${per})${raw}`;
}

/** The global averaging cells as the fused kernels' row averaging: columns = globalCells, groups per `averaging`. */
export function gacRowAveraging(config: Pick<GacConfig, 'globalCells' | 'averaging'>): FusedRowAveraging {
  return {
    columns: config.globalCells,
    groups: (grads: TensorMap) => averagingSegments(grads, config.averaging),
  };
}

/**
 * LSTM+GAC (Andrychowicz et al. 2016, §3.2): the coordinatewise LSTM optimizer in which, in every layer, the
 * first `globalCells[l]` cells are global averaging cells — their outgoing activation is replaced at every step
 * by its average across coordinates (all of them, or per parameter tensor with `averaging: 'per-tensor'`).
 * This lets the coordinates share information (e.g. the gradient norm, see `gacL2ClippingMetaParams`).
 * φ has exactly the LSTM optimizer's names and shapes (GAC adds no parameters). Config fields not given
 * default to {@link PAPER_GAC_CONFIG}-like values; invalid fields throw with the field named.
 *
 * Where WebAssembly SIMD runs, meta-training (estimator 'bptt') and evaluation use the LSTM's fused kernels with
 * the averaging between layers (`beginFusedUnroll`, `inferenceOptimizer`: same updates and meta-gradients as the
 * tfjs path within float32 tolerance); elsewhere everything runs on the tfjs ops of `withMetaParams`.
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
    beginFusedUnroll(phi: TensorMap, state: GacState): FusedUnroll<GacState> | undefined {
      // The LSTM's WebAssembly kernels with the global cells averaged between layers (forward) and their
      // adjoints averaged likewise (backward), where the runtime supports them.
      if (!fusedKernelSupported()) return undefined;
      checkLstmMetaParams(phi, lstmCfg, 'lstm-gac meta-parameters');
      return beginFusedAveragingUnroll(lstmCfg, phi, state, gacRowAveraging(cfg));
    },
    ...(fusedKernelSupported()
      ? {
          inferenceOptimizer(phi: TensorMap): Optimizer<GacState> {
            return fusedAveragingInferenceOptimizer(lstmCfg, phi, gacRowAveraging(cfg), { name });
          },
        }
      : {}),
    withMetaParams(phi: TensorMap): Optimizer<GacState> {
      checkLstmMetaParams(phi, lstmCfg, 'lstm-gac meta-parameters');
      return coordinatewiseOptimizer<GacState>({
        name,
        config: cfg,
        zeroState: (n) => gacZeroState(cfg, n),
        checkState: (state, n) => checkGacState(state, cfg, n),
        step: (input, state, grads) => gacStep(phi, cfg, input, state, averagingSegments(grads, cfg.averaging)),
        stats: lstmStatsLens<GacState>(),
      });
    },
  };
}
