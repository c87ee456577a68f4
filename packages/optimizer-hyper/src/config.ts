import { L2oError } from '@l2o/core';
/** The kind written into saved artifacts. */
export const HYPER_KIND = 'hyper';

/**
 * Architecture of the hyper optimizer. JSON-serialisable (a type alias, so it is a core `JsonObject`).
 *
 * Per parameter it keeps three accumulators (Adam's m and v, and a slower momentum m₂) and forms three
 * normalized directions g/√v̂, m̂/√v̂ and m̂₂/√v̂. Per parameter tensor, a small MLP (the controller) reads
 * statistics of those directions and of the tensor's recent history and outputs: a change of the tensor's own
 * log learning rate, a schedule factor, and the weights with which the three directions are mixed.
 */
export type HyperConfig = {
  /** Width of the controller's hidden layer. Default 16. */
  hidden: number;
  /** The learning rate a freshly initialised controller starts from (φ's `logLr0` = ln of it). Default 1e-3. */
  initialLr: number;
  /** Decay of the fast momentum m. Default 0.9. */
  beta1: number;
  /** Decay of the second moment v. Default 0.999. */
  beta2: number;
  /** Decay of the slow momentum m₂. Default 0.99. */
  beta3: number;
  /** Added to √v̂. Default 1e-8. */
  epsilon: number;
  /** Largest change of a tensor's log learning rate in one step (the controller's output is tanh-bounded). Default 0.2. */
  maxLrChange: number;
  /**
   * The secant start (secant-start.ts): at step 2 each tensor's rate jumps up to `secantStart`× the best multiple of
   * its first step along that step's line (measured from the change of the gradient; at most 1000×, never down).
   * 0 (the default) turns it off.
   */
  secantStart: number;
  /**
   * A cap on each tensor's step, relative to its weights: the rate is held so that lr·rms(m̂/√v̂) ≤ maxRelativeStep ·
   * (rms(θ) + 1e-3), and the log rate offset δ is clamped to it (no wind-up while capped). 0 (the default) turns it off.
   */
  maxRelativeStep: number;
};

export const DEFAULT_HYPER_CONFIG: Readonly<HyperConfig> = Object.freeze({
  hidden: 16,
  initialLr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  beta3: 0.99,
  epsilon: 1e-8,
  maxLrChange: 0.2,
  secantStart: 0,
  maxRelativeStep: 0,
});

export const HYPER_CONFIG_FIELDS: readonly (keyof HyperConfig)[] = [
  'hidden',
  'initialLr',
  'beta1',
  'beta2',
  'beta3',
  'epsilon',
  'maxLrChange',
  'secantStart',
  'maxRelativeStep',
];

function unitInterval(where: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v >= 1) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a number in [0, 1); got ${String(v)}`);
  }
  return v;
}

function positive(where: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a finite number > 0; got ${String(v)}`);
  }
  return v;
}

function nonNegative(where: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a finite number ≥ 0 (0: off); got ${String(v)}`);
  }
  return v;
}

/**
 * Validates a (partial) config and fills in the defaults. Unknown fields are errors naming the allowed ones;
 * every error names the field. Returns a fresh frozen object.
 */
export function resolveHyperConfig(input: unknown = {}, where = 'hyper config'): HyperConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: must be an object such as { hidden: 16 }; got ${JSON.stringify(input)}`,
    );
  }
  const raw = input as Record<string, unknown>;
  for (const k of Object.keys(raw)) {
    if (!(HYPER_CONFIG_FIELDS as readonly string[]).includes(k)) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: unknown field "${k}"; allowed: ${HYPER_CONFIG_FIELDS.join(', ')}`,
      );
    }
  }
  const c = { ...DEFAULT_HYPER_CONFIG, ...raw } as Record<keyof HyperConfig, unknown>;
  const hidden = c.hidden;
  if (typeof hidden !== 'number' || !Number.isInteger(hidden) || hidden < 1 || hidden > 1024) {
    throw new L2oError('INVALID_OPTION', `${where}: hidden must be an integer in 1…1024; got ${String(hidden)}`);
  }
  return Object.freeze({
    hidden,
    initialLr: positive(where, 'initialLr', c.initialLr),
    beta1: unitInterval(where, 'beta1', c.beta1),
    beta2: unitInterval(where, 'beta2', c.beta2),
    beta3: unitInterval(where, 'beta3', c.beta3),
    epsilon: positive(where, 'epsilon', c.epsilon),
    maxLrChange: positive(where, 'maxLrChange', c.maxLrChange),
    secantStart: nonNegative(where, 'secantStart', c.secantStart),
    maxRelativeStep: nonNegative(where, 'maxRelativeStep', c.maxRelativeStep),
  });
}
