import { adam, type JsonObject, L2oError, type Optimizer } from '@l2o/core';
import { registerOptimizerConfigs } from '@l2o/core/extend';
import { nag } from './nag.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

/** The hand-designed optimizers the paper compares against. */
export const BASELINE_NAMES = ['sgd', 'nag', 'rmsprop', 'adam'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Parses a baseline name (from a flag or a file), with an error that lists the allowed values. */
export function parseBaselineName(value: string, field = 'baseline'): BaselineName {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if ((BASELINE_NAMES as readonly unknown[]).includes(v)) return v as BaselineName;
  throw new L2oError(
    'NOT_FOUND',
    `${field}: unknown baseline "${String(value)}"; allowed values: ${BASELINE_NAMES.join(', ')}`,
  );
}

/** The named baseline with the given learning rate and every other hyperparameter at its default. */
export function makeBaseline(name: BaselineName, learningRate: number): Optimizer {
  switch (name) {
    case 'sgd':
      return sgd({ learningRate });
    case 'nag':
      return nag({ learningRate });
    case 'rmsprop':
      return rmsprop({ learningRate });
    case 'adam':
      return adam({ learningRate });
    default:
      return parseBaselineName(name as string) as never;
  }
}

/** The hyperparameters each baseline accepts in {@link baselineFromConfig}, besides `name` and `learningRate`. */
const BASELINE_OPTION_FIELDS: Readonly<Record<BaselineName, readonly string[]>> = {
  sgd: [],
  nag: ['momentum'],
  rmsprop: ['decay', 'momentum', 'epsilon', 'centered'],
  adam: ['beta1', 'beta2', 'epsilon'],
};

/**
 * A baseline from its JSON description, e.g. `{ name: 'nag', learningRate: 1, momentum: 0.9 }` (how a residual
 * learned optimizer stores its base). Unknown fields are refused with the allowed ones named; the values are
 * checked by the optimizer itself.
 */
export function baselineFromConfig(config: JsonObject, field = 'base'): Optimizer {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new L2oError('INVALID_OPTION', `${field}: must be an object such as { name: 'nag', learningRate: 1 }`);
  }
  const name = parseBaselineName(String(config['name']), `${field}.name`);
  const allowed = ['name', 'learningRate', ...BASELINE_OPTION_FIELDS[name]];
  for (const k of Object.keys(config)) {
    if (!allowed.includes(k))
      throw new L2oError(
        'INVALID_OPTION',
        `${field}.${k}: not a field of ${name}; allowed fields: ${allowed.join(', ')}`,
      );
  }
  const { name: _name, ...options } = config;
  void _name;
  const opts = options as unknown as { learningRate: number };
  switch (name) {
    case 'sgd':
      return sgd(opts);
    case 'nag':
      return nag(opts);
    case 'rmsprop':
      return rmsprop(opts);
    case 'adam':
      return adam(opts);
  }
}

// `optimizerFromConfig` (and so a residual learned optimizer's base, when loaded) knows the baselines by name.
registerOptimizerConfigs({ names: BASELINE_NAMES, build: (config, field) => baselineFromConfig(config, field) });
