import { L2oError } from '@l2o/core';
/** Input preprocessing of the optimizee gradients, see `preprocessing.ts`. */
export const PREPROCESSING_MODES = ['log-sign', 'none', 'log-sign-moments'] as const;
export type Preprocessing = (typeof PREPROCESSING_MODES)[number];

/**
 * Architecture of the coordinatewise LSTM optimizer. JSON-serialisable; written into saved artifacts.
 * (A type alias, not an interface, so that it is assignable to core's `JsonObject`.)
 */
export type LstmConfig = {
  /** Units of each stacked LSTM layer. Paper and reference code: [20, 20]. */
  hiddenSizes: number[];
  /**
   * 'log-sign': the paper's two inputs per coordinate (log|g|/p, sign g); 'none': the raw gradient;
   * 'log-sign-moments': log/sign plus gradient and momentum (two time scales) over the gradient's running RMS,
   * five inputs, with running statistics carried in the state (see `moment-features.ts`).
   */
  preprocessing: Preprocessing;
  /** The p of the log/sign preprocessing (> 0). Paper: 10; reference code: 5. Ignored for 'none'. */
  p: number;
  /** The network's output is multiplied by this to give the update (> 0). Paper: 0.1; reference: 0.01 (MNIST), 1 (quadratics). */
  outputScale: number;
  /** Initial value of the forget-gate bias in every layer. Paper and reference: 1. */
  forgetBias: number;
  /** Multiplier of the Glorot-uniform initialisation range of every weight matrix (≥ 0). Default 1. */
  initScale: number;
};

/** The paper's settings (Andrychowicz et al. 2016): 2×20 LSTM, log/sign preprocessing with p = 10, output × 0.1. */
export const PAPER_CONFIG: Readonly<LstmConfig> = Object.freeze({
  hiddenSizes: [20, 20],
  preprocessing: 'log-sign',
  p: 10,
  outputScale: 0.1,
  forgetBias: 1,
  initScale: 1,
});

/** The default config is the paper's. */
export const DEFAULT_LSTM_CONFIG: Readonly<LstmConfig> = PAPER_CONFIG;

/**
 * The deepmind/learning-to-learn reference code on the 10-d quadratics: no preprocessing (the raw gradient is
 * the single input) and output scale 1.
 */
export const REFERENCE_QUADRATIC_CONFIG: Readonly<LstmConfig> = Object.freeze({
  ...PAPER_CONFIG,
  preprocessing: 'none',
  outputScale: 1,
});

/**
 * The deepmind/learning-to-learn reference code on MNIST (and CIFAR): LogAndSign with k = 5 and output scale
 * 0.01. Its LogAndSign — (max(log|g|/k, −1), clip(e^k g, −1, 1)) — equals the paper's formula with p = k
 * (up to the ε it adds inside the log).
 */
export const REFERENCE_MNIST_CONFIG: Readonly<LstmConfig> = Object.freeze({
  ...PAPER_CONFIG,
  p: 5,
  outputScale: 0.01,
});

/** Every field of {@link LstmConfig}. */
export const LSTM_CONFIG_FIELDS: readonly (keyof LstmConfig)[] = Object.freeze([
  'hiddenSizes',
  'preprocessing',
  'p',
  'outputScale',
  'forgetBias',
  'initScale',
]);

/** A config value as shown in error messages (JSON where possible). */
export function showConfigValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * Checks that a config `input` is an object whose fields are all among `fields` (unknown fields are usually
 * typos) and returns it as a record. Errors start with `where` and list the allowed fields.
 */
export function checkConfigFields(input: unknown, fields: readonly string[], where: string): Record<string, unknown> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: must be an object with fields ${fields.join(', ')}; got ${showConfigValue(input)}`,
    );
  }
  const raw = input as Record<string, unknown>;
  for (const k of Object.keys(raw)) {
    if (!fields.includes(k)) {
      throw new L2oError('INVALID_OPTION', `${where}: unknown field "${k}"; allowed fields: ${fields.join(', ')}`);
    }
  }
  return raw;
}

/** The entries of `raw` among `fields` whose value is not `undefined` (a partial config for a sub-resolver). */
export function pickConfigFields(
  raw: Readonly<Record<string, unknown>>,
  fields: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of fields) if (raw[k] !== undefined) out[k] = raw[k];
  return out;
}

/** Checks that a config field `field` is one of `allowed`; the error lists them. */
export function checkConfigChoice<T extends string>(
  v: unknown,
  allowed: readonly T[],
  field: string,
  where: string,
): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: ${field} must be one of ${allowed.map((m) => `'${m}'`).join(', ')}; got ${showConfigValue(v)}`,
    );
  }
  return v as T;
}

/**
 * Validates a (partial) config and fills in defaults from {@link PAPER_CONFIG}. Unknown fields are errors (they
 * are usually typos). Every error names the field and the allowed values. Returns a fresh frozen object.
 */
export function resolveLstmConfig(input: unknown = {}, where = 'lstm config'): LstmConfig {
  const raw = checkConfigFields(input, LSTM_CONFIG_FIELDS, where);
  const pick = <K extends keyof LstmConfig>(k: K): unknown => (raw[k] === undefined ? PAPER_CONFIG[k] : raw[k]);

  const hs = pick('hiddenSizes');
  if (
    !Array.isArray(hs) ||
    hs.length === 0 ||
    !hs.every((h) => typeof h === 'number' && Number.isInteger(h) && h >= 1)
  ) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: hiddenSizes must be a non-empty array of positive integers (e.g. [20, 20]); got ${showConfigValue(hs)}`,
    );
  }
  const pre = checkConfigChoice(pick('preprocessing'), PREPROCESSING_MODES, 'preprocessing', where);
  const num = (
    k: 'p' | 'outputScale' | 'forgetBias' | 'initScale',
    rule: 'positive' | 'finite' | 'non-negative',
  ): number => {
    const v = pick(k);
    const ok =
      typeof v === 'number' && Number.isFinite(v) && (rule === 'finite' || (rule === 'positive' ? v > 0 : v >= 0));
    if (!ok) {
      const allowed =
        rule === 'finite' ? 'a finite number' : rule === 'positive' ? 'a finite number > 0' : 'a finite number ≥ 0';
      throw new L2oError('INVALID_OPTION', `${where}: ${k} must be ${allowed}; got ${showConfigValue(v)}`);
    }
    return v as number;
  };
  const p = num('p', 'positive');
  if (pre !== 'none' && p > 80) {
    // e^p must stay finite in float32 (e^88.7 overflows).
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: p must be a finite number in (0, 80] for log/sign preprocessing; got ${p}`,
    );
  }
  return Object.freeze({
    hiddenSizes: Object.freeze([...(hs as number[])]) as number[],
    preprocessing: pre,
    p,
    outputScale: num('outputScale', 'positive'),
    forgetBias: num('forgetBias', 'finite'),
    initScale: num('initScale', 'non-negative'),
  });
}

/** Number of network inputs per coordinate: 2 for 'log-sign', 1 for 'none', 5 for 'log-sign-moments'. */
export function lstmInputSize(config: Pick<LstmConfig, 'preprocessing'>): number {
  return config.preprocessing === 'log-sign' ? 2 : config.preprocessing === 'none' ? 1 : 5;
}

/** Whether the preprocessing keeps running statistics per coordinate in the state ('log-sign-moments'). */
export function preprocessingHasStats(config: Pick<LstmConfig, 'preprocessing'>): boolean {
  return config.preprocessing === 'log-sign-moments';
}
