/**
 * Selecting parameters by name, shared by `masked`, `addDecayedWeights`, `partitionOptimizer` and
 * `partitionLearned` (internal: only `ParamMatcher` is public).
 */
import type * as tf from '@tensorflow/tfjs';
import type { JsonObject, TensorMap } from '../types.js';
import { L2oError } from '../l2o-error.js';

/** Selects parameters by name: a RegExp (serialisable) or a predicate. */
export type ParamMatcher = RegExp | ((paramName: string) => boolean);

/**
 * A stateless test for a matcher (RegExps with the g or y flag keep state in `lastIndex`; they are rejected).
 * `field` names the option in errors, e.g. `masked.mask` or `partitionOptimizer.groups["conv"].match`.
 */
export function toPredicate(match: ParamMatcher, field: string): (name: string) => boolean {
  if (match instanceof RegExp) {
    if (match.global || match.sticky) {
      throw new L2oError(
        'INVALID_OPTION',
        `${field}: RegExp flags g and y are not allowed (they make test() stateful), got /${match.source}/${match.flags}`,
      );
    }
    return (name) => match.test(name);
  }
  if (typeof match !== 'function') {
    throw new L2oError('INVALID_OPTION', `${field}: must be a RegExp or a function (paramName) => boolean`);
  }
  return match;
}

/** How a matcher shows in an optimizer's name: the RegExp, or `predicate`. */
export function matcherName(match: ParamMatcher): string {
  return match instanceof RegExp ? String(match) : 'predicate';
}

/** The JSON form of a matcher (`{ pattern, flags }`), or undefined for a predicate (not serialisable). */
export function matcherConfig(match: ParamMatcher): { pattern: string; flags: string } | undefined {
  return match instanceof RegExp ? { pattern: match.source, flags: match.flags } : undefined;
}

/** The RegExp of a `{ pattern, flags }` entry of a config; errors name `field`. */
export function matcherFromConfig(config: JsonObject, field: string): RegExp {
  const { pattern, flags } = config;
  if (typeof pattern !== 'string')
    throw new L2oError('INVALID_OPTION', `${field}.pattern: must be a string (a RegExp source)`);
  if (flags !== undefined && typeof flags !== 'string')
    throw new L2oError('INVALID_OPTION', `${field}.flags: must be a string`);
  try {
    return new RegExp(pattern, flags ?? '');
  } catch (e) {
    throw new L2oError(
      'INVALID_OPTION',
      `${field}: not a valid RegExp /${pattern}/${flags ?? ''}: ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/** Throws unless the group names are non-empty, unique and free of '/'. */
export function checkGroupNames(names: readonly string[], where: string): void {
  if (names.length === 0) throw new L2oError('INVALID_OPTION', `${where}.groups: must hold at least one group`);
  const seen = new Set<string>();
  for (const n of names) {
    if (typeof n !== 'string' || n.length === 0 || n.includes('/')) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}.groups: group name must be a non-empty string without "/", got ${JSON.stringify(n)}`,
      );
    }
    if (seen.has(n))
      throw new L2oError('INVALID_OPTION', `${where}.groups: group name "${n}" appears twice; names must be unique`);
    seen.add(n);
  }
}

/**
 * Assigns every parameter name to its group; throws naming the parameter when it matches no group or several.
 * Returns the names of each group, in the order of `names`.
 */
export function route(
  names: readonly string[],
  groups: readonly { name: string; test: (n: string) => boolean }[],
  where: string,
): Map<string, string[]> {
  const out = new Map<string, string[]>(groups.map((g) => [g.name, []]));
  for (const p of names) {
    const hits = groups.filter((g) => g.test(p));
    if (hits.length !== 1) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: parameter "${p}" matches ${hits.length === 0 ? 'no group' : `${hits.length} groups (${hits.map((g) => g.name).join(', ')})`}; ` +
          `every parameter must match exactly one of: ${groups.map((g) => g.name).join(', ')}`,
      );
    }
    out.get(hits[0]!.name)!.push(p);
  }
  return out;
}

/** The entries of `map` named by `keys` (the same tensors); throws naming a missing one. */
export function pick(map: TensorMap, keys: readonly string[], where: string): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const k of keys) {
    const t = map[k];
    if (!t) throw new L2oError('SHAPE_MISMATCH', `${where}: missing "${k}"`);
    out[k] = t;
  }
  return out;
}
