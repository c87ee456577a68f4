import { type AdamOptions, adam } from '../adam.js';
import { registeredOptimizerConfigNames, registeredOptimizerFromConfig } from '../optimizer-configs.js';
import { scheduleFromConfig } from '../schedules/from-config.js';
import type { JsonObject, JsonValue, Optimizer } from '../types.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { chain } from './chain.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { masked } from './masked.js';
import { matcherFromConfig } from './param-routing.js';
import { partitionOptimizer } from './partition-optimizer.js';
import { scale } from './scale.js';
import { type ScaleByAdamOptions, scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { type ScaleByRmsOptions, scaleByRms } from './scale-by-rms.js';
import { sumOf } from './sum-of.js';
import { type TraceOptions, trace } from './trace.js';
import { isJsonObject } from './transform-support.js';
import { L2oError } from '../l2o-error.js';

export interface OptimizerFromConfigOptions {
  /** What the description is called in errors. Default `'optimizer'`. */
  readonly field?: string;
  /**
   * Rebuilds the descriptions whose name core does not know (e.g. `@l2o/baselines`' `baselineFromConfig` for
   * `{ name: 'nag', … }`); returns undefined for names it does not know either. Used at every depth.
   */
  readonly resolve?: (config: JsonObject, field: string) => Optimizer | undefined;
}

type Build = (
  c: JsonObject,
  field: string,
  nested: (c: JsonValue | undefined, field: string) => Optimizer,
) => Optimizer;
type Builder = { readonly fields: readonly string[]; readonly build: Build };

// The factories check the values; here only the shape of each description is checked.
const as = <T>(c: JsonObject): T => c as unknown as T;

function arrayField(c: JsonObject, key: string, field: string): JsonValue[] {
  const v = c[key];
  if (!Array.isArray(v)) throw new L2oError('INVALID_OPTION', `${field}.${key}: must be an array`);
  return v;
}

function objectField(c: JsonObject, key: string, field: string): JsonObject {
  const v = c[key];
  if (!isJsonObject(v)) throw new L2oError('INVALID_OPTION', `${field}.${key}: must be an object`);
  return v;
}

function checkFields(c: JsonObject, allowed: readonly string[], what: string, field: string): void {
  for (const k of Object.keys(c)) {
    if (!allowed.includes(k))
      throw new L2oError(
        'INVALID_OPTION',
        `${field}.${k}: not a field of ${what}; allowed fields: ${allowed.join(', ')}`,
      );
  }
}

const BUILDERS: Readonly<Record<string, Builder>> = {
  chain: {
    fields: ['parts'],
    build: (c, field, nested) =>
      chain(...arrayField(c, 'parts', field).map((p, i) => nested(p, `${field}.parts[${i}]`))),
  },
  scaleByAdam: { fields: ['b1', 'b2', 'eps'], build: (c) => scaleByAdam(as<ScaleByAdamOptions>(c)) },
  scaleByRms: {
    fields: ['decay', 'eps', 'centered', 'numeratorScale'],
    build: (c) => scaleByRms(as<ScaleByRmsOptions>(c)),
  },
  trace: { fields: ['decay', 'nesterov'], build: (c) => trace(as<TraceOptions>(c)) },
  scaleByLearningRate: {
    fields: ['learningRate'],
    build: (c, field) => {
      const lr = c['learningRate'];
      return isJsonObject(lr)
        ? scaleByLearningRate(scheduleFromConfig(lr, `${field}.learningRate`))
        : scaleByLearningRate(lr as number);
    },
  },
  scale: { fields: ['factor'], build: (c) => scale(c['factor'] as number) },
  clipByGlobalNorm: { fields: ['maxNorm'], build: (c) => clipByGlobalNorm(c['maxNorm'] as number) },
  addDecayedWeights: {
    fields: ['rate', 'pattern', 'flags'],
    build: (c, field) =>
      addDecayedWeights(
        c['rate'] as number,
        // Without pattern and flags: every parameter; flags alone are refused (pattern must then be a string).
        c['pattern'] === undefined && c['flags'] === undefined ? undefined : matcherFromConfig(c, field),
      ),
  },
  masked: {
    fields: ['pattern', 'flags', 'inner'],
    build: (c, field, nested) => masked(nested(c['inner'], `${field}.inner`), matcherFromConfig(c, field)),
  },
  partitionOptimizer: {
    fields: ['groups'],
    build: (c, field, nested) =>
      partitionOptimizer({
        groups: arrayField(c, 'groups', field).map((g, i) => {
          const at = `${field}.groups[${i}]`;
          if (!isJsonObject(g))
            throw new L2oError('INVALID_OPTION', `${at}: must be an object { name, pattern, flags, optimizer }`);
          checkFields(g, ['name', 'pattern', 'flags', 'optimizer'], 'a partition group', at);
          return {
            name: g['name'] as string,
            match: matcherFromConfig(g, at),
            optimizer: nested(g['optimizer'], `${at}.optimizer`),
          };
        }),
      }),
  },
  sumOf: {
    fields: ['parts'],
    build: (c, field, nested) => {
      const parts = objectField(c, 'parts', field);
      return sumOf(Object.fromEntries(Object.entries(parts).map(([k, p]) => [k, nested(p, `${field}.parts.${k}`)])));
    },
  },
  adam: { fields: ['learningRate', 'beta1', 'beta2', 'epsilon'], build: (c) => adam(as<AdamOptions>(c)) },
};

/** The names `optimizerFromConfig` knows: core's transforms, combinators and Adam. */
export const OPTIMIZER_CONFIG_NAMES = Object.keys(BUILDERS);

/**
 * An optimizer from its JSON description (`optimizer.config`), at any depth, e.g.
 * `{ name: 'chain', parts: [{ name: 'clipByGlobalNorm', maxNorm: 1 }, { name: 'scaleByAdam', b1: 0.9, b2: 0.999 },
 * { name: 'scaleByLearningRate', learningRate: { name: 'cosineDecaySchedule', initialValue: 0.01, decaySteps: 1000 } }] }`.
 * Unknown names and unknown fields are refused, naming them and the allowed ones; the values are checked by the
 * factories themselves. Names core does not know go to `options.resolve`, then to the optimizers other packages
 * registered (`registerOptimizerConfigs`, e.g. `@l2o/baselines`' sgd, nag and rmsprop).
 */
export function optimizerFromConfig(config: JsonObject, options: OptimizerFromConfigOptions = {}): Optimizer {
  const resolve = options.resolve;
  const build = (c: JsonValue | undefined, field: string): Optimizer => {
    if (!isJsonObject(c))
      throw new L2oError('INVALID_OPTION', `${field}: must be an object such as { name: 'scale', factor: -1 }`);
    const name = c['name'];
    const builder = typeof name === 'string' && Object.hasOwn(BUILDERS, name) ? BUILDERS[name] : undefined;
    if (!builder) {
      const resolved = resolve?.(c, field) ?? registeredOptimizerFromConfig(c, field);
      if (resolved) return resolved;
      const known = [...OPTIMIZER_CONFIG_NAMES, ...registeredOptimizerConfigNames().filter((n) => !(n in BUILDERS))];
      throw new L2oError(
        'INVALID_OPTION',
        `${field}.name: unknown optimizer ${JSON.stringify(name)}; allowed values: ${known.join(', ')}` +
          (resolve ? ', or a name the resolver knows' : ''),
      );
    }
    checkFields(c, ['name', ...builder.fields], name as string, field);
    const { name: _name, ...fields } = c;
    void _name;
    try {
      return builder.build(fields, field, build);
    } catch (e) {
      const message = (e as Error).message;
      // Errors of nested descriptions already start with their path; the factories' own start with their name.
      throw new L2oError(
        e instanceof L2oError ? e.code : 'INVALID_OPTION',
        message.startsWith(field) ? message : `${field}: ${message}`,
        {
          cause: e,
        },
      );
    }
  };
  return build(config, options.field ?? 'optimizer');
}
