import { PAPER_CONFIG, resolveLstmConfig, type LstmConfig } from '@l2o/optimizer-lstm';

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
const LSTM_FIELDS = ['hiddenSizes', 'preprocessing', 'p', 'outputScale', 'forgetBias', 'initScale'] as const;
/** Every field of {@link GacConfig}. */
export const GAC_CONFIG_FIELDS: readonly string[] = [...LSTM_FIELDS, ...GAC_FIELDS];

function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Validates a (partial) GAC config and fills in defaults: the LSTM fields as in `resolveLstmConfig` (the paper's),
 * `globalCells` ⌊h/4⌋ per layer, `averaging` 'all'. Unknown fields are errors; every error names the field and
 * the allowed values. Returns a fresh frozen object.
 */
export function resolveGacConfig(input: unknown = {}, where = 'lstm-gac config'): GacConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new Error(`${where}: must be an object with fields ${GAC_CONFIG_FIELDS.join(', ')}; got ${show(input)}`);
  }
  const raw = input as Record<string, unknown>;
  for (const k of Object.keys(raw)) {
    if (!GAC_CONFIG_FIELDS.includes(k)) {
      throw new Error(`${where}: unknown field "${k}"; allowed fields: ${GAC_CONFIG_FIELDS.join(', ')}`);
    }
  }
  const lstmPart: Record<string, unknown> = {};
  for (const k of LSTM_FIELDS) if (raw[k] !== undefined) lstmPart[k] = raw[k];
  const lstm = resolveLstmConfig(lstmPart, where);

  const gc = raw['globalCells'] === undefined ? lstm.hiddenSizes.map((h) => Math.floor(h / 4)) : raw['globalCells'];
  if (
    !Array.isArray(gc) ||
    gc.length !== lstm.hiddenSizes.length ||
    !gc.every((k, l) => typeof k === 'number' && Number.isInteger(k) && k >= 0 && k <= lstm.hiddenSizes[l]!)
  ) {
    throw new Error(
      `${where}: globalCells must be an array of ${lstm.hiddenSizes.length} integers, entry l in [0, hiddenSizes[l]] ` +
        `(hiddenSizes is [${lstm.hiddenSizes.join(', ')}]); got ${show(gc)}`,
    );
  }
  const av = raw['averaging'] === undefined ? 'all' : raw['averaging'];
  if (typeof av !== 'string' || !(AVERAGING_MODES as readonly string[]).includes(av)) {
    throw new Error(`${where}: averaging must be one of ${AVERAGING_MODES.map((m) => `'${m}'`).join(', ')}; got ${show(av)}`);
  }
  return Object.freeze({
    ...lstm,
    globalCells: Object.freeze([...(gc as number[])]) as number[],
    averaging: av as Averaging,
  });
}

/** The LSTM part of a GAC config (what `@l2o/optimizer-lstm`'s helpers take). */
export function lstmPartOf(config: GacConfig): LstmConfig {
  const { hiddenSizes, preprocessing, p, outputScale, forgetBias, initScale } = config;
  return { hiddenSizes, preprocessing, p, outputScale, forgetBias, initScale };
}
