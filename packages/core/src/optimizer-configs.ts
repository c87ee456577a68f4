import type { JsonObject, Optimizer } from './types.js';

/**
 * Hand-designed optimizers another package can rebuild from JSON (`{ name, … }`), e.g. `@l2o/baselines`' sgd,
 * nag and rmsprop. `optimizerFromConfig` (and so a residual learned optimizer's base) falls back on them for the
 * names core does not know.
 */
export interface OptimizerConfigEntry {
  /** The `name` values it builds. */
  readonly names: readonly string[];
  /** The optimizer a description with one of `names` stands for. Errors start with `field`. */
  build(config: JsonObject, field: string): Optimizer;
}

const ENTRIES = new Map<string, OptimizerConfigEntry>();

/**
 * Makes `optimizerFromConfig` know `entry.names` (a later registration of a name replaces the earlier one).
 * Packages register their optimizers when imported.
 */
export function registerOptimizerConfigs(entry: OptimizerConfigEntry): void {
  for (const name of entry.names) ENTRIES.set(name, entry);
}

/** The registered names, in registration order. */
export function registeredOptimizerConfigNames(): string[] {
  return [...ENTRIES.keys()];
}

/** The registered optimizer `config.name` names, or undefined when no package registered that name. */
export function registeredOptimizerFromConfig(config: JsonObject, field: string): Optimizer | undefined {
  const name = config['name'];
  const entry = typeof name === 'string' ? ENTRIES.get(name) : undefined;
  return entry?.build(config, field);
}
