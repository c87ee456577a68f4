import { type LstmConfig, PAPER_CONFIG, resolveLstmConfig } from '@l2o/optimizer-lstm';
import {
  checkConfigChoice,
  checkConfigFields,
  LSTM_CONFIG_FIELDS,
  pickConfigFields,
  showConfigValue,
} from '@l2o/optimizer-lstm/extend';
import { L2oError } from '@l2o/core';

/**
 * Over which coordinates a global averaging cell averages:
 * - 'all': every coordinate of every parameter tensor of the optimizee (the paper: "averaged across all
 *   coordinates"). The default.
 * - 'per-tensor': separately within each parameter tensor (one group per entry of the parameter map).
 */
export const AVERAGING_MODES = ['all', 'per-tensor'] as const;
export type Averaging = (typeof AVERAGING_MODES)[number];

/**
 * Architecture of the LSTM+GAC optimizer: the coordinatewise LSTM of `@l2o/optimizer-lstm` plus, in every layer,
 * `globalCells[l]` global averaging cells. JSON-serialisable (a type alias so that it is a core `JsonObject`).
 */
export type GacConfig = LstmConfig & {
  /**
   * Number of global averaging cells in each layer (one entry per entry of `hiddenSizes`, each in
   * [0, hiddenSizes[l]]). The first `globalCells[l]` cells (columns 0 … globalCells[l] − 1 of the layer's h)
   * are global: after every step their outgoing activation h is replaced by its average over coordinates,
   * both where it feeds the next layer and where it is carried to the next step. Default: ⌊hiddenSizes[l] / 4⌋
   * (5 of 20; the paper does not give the number).
   */
  globalCells: number[];
  /** Which coordinates the global cells average over. Default 'all' (the paper). */
  averaging: Averaging;
};

/** The paper's 2×20 LSTM (log/sign preprocessing, p = 10, output × 0.1) with 5 global cells per layer, averaged over all coordinates. */
export const PAPER_GAC_CONFIG: Readonly<GacConfig> = Object.freeze({
  ...PAPER_CONFIG,
  globalCells: [5, 5],
  averaging: 'all',
});

const GAC_FIELDS = ['globalCells', 'averaging'] as const;
/** Every field of {@link GacConfig}. */
export const GAC_CONFIG_FIELDS: readonly string[] = [...LSTM_CONFIG_FIELDS, ...GAC_FIELDS];

/**
 * Validates a (partial) GAC config and fills in defaults: the LSTM fields as in `resolveLstmConfig` (the paper's),
 * `globalCells` ⌊h/4⌋ per layer, `averaging` 'all'. Unknown fields are errors; every error names the field and
 * the allowed values. Returns a fresh frozen object.
 */
export function resolveGacConfig(input: unknown = {}, where = 'lstm-gac config'): GacConfig {
  const raw = checkConfigFields(input, GAC_CONFIG_FIELDS, where);
  const lstm = resolveLstmConfig(pickConfigFields(raw, LSTM_CONFIG_FIELDS), where);
  const gc = raw['globalCells'] === undefined ? lstm.hiddenSizes.map((h) => Math.floor(h / 4)) : raw['globalCells'];
  if (
    !Array.isArray(gc) ||
    gc.length !== lstm.hiddenSizes.length ||
    !gc.every((k, l) => typeof k === 'number' && Number.isInteger(k) && k >= 0 && k <= lstm.hiddenSizes[l]!)
  ) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: globalCells must be an array of ${lstm.hiddenSizes.length} integers, entry l in [0, hiddenSizes[l]] ` +
        `(hiddenSizes is [${lstm.hiddenSizes.join(', ')}]); got ${showConfigValue(gc)}`,
    );
  }
  const av = checkConfigChoice(
    raw['averaging'] === undefined ? 'all' : raw['averaging'],
    AVERAGING_MODES,
    'averaging',
    where,
  );
  return Object.freeze({
    ...lstm,
    globalCells: Object.freeze([...(gc as number[])]) as number[],
    averaging: av,
  });
}

/** The LSTM part of a GAC config (what `@l2o/optimizer-lstm`'s helpers take). */
export function lstmPartOf(config: GacConfig): LstmConfig {
  const { hiddenSizes, preprocessing, p, outputScale, forgetBias, initScale } = config;
  return { hiddenSizes, preprocessing, p, outputScale, forgetBias, initScale };
}
