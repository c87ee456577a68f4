import type * as tf from '@tensorflow/tfjs';
import type { InitContext, JsonObject, Optimizer, TensorMap } from '../types.js';
import { checkGroupNames, matcherConfig, type ParamMatcher, pick, route, toPredicate } from './param-routing.js';
import { L2oError } from '../l2o-error.js';

export interface PartitionGroup {
  /** Group name: non-empty, unique, without '/'. Keys of the state (and of φ's prefixes for learned groups). */
  readonly name: string;
  /** Which parameters the group owns. Every parameter must match exactly one group. */
  readonly match: ParamMatcher;
  readonly optimizer: Optimizer;
}

export interface PartitionOptions {
  readonly groups: readonly PartitionGroup[];
}

/** The state of a partitioned optimizer: each group's own state under its name (`{}` for a group with no parameters). */
export type PartitionState = { [group: string]: tf.TensorContainer };

/**
 * An optimizer that routes groups of parameters to different optimizers (hand-designed or learned), like optax's
 * `partition`: each group's optimizer sees only its parameters, and the state is each group's state under its
 * name. Every parameter must match exactly one group; a group that matches nothing gets the state `{}`.
 * `InitContext` is passed to every group. Config `{ name: 'partitionOptimizer', groups: [{ name, pattern, flags,
 * optimizer }] }` when every group matches by RegExp and every optimizer has a config.
 */
export function partitionOptimizer(options: PartitionOptions): Optimizer<PartitionState> {
  const where = 'partitionOptimizer';
  if (options === null || typeof options !== 'object' || !Array.isArray(options.groups)) {
    throw new L2oError('INVALID_OPTION', `${where}.groups: must be an array of { name, match, optimizer }`);
  }
  const groups = options.groups;
  checkGroupNames(
    groups.map((g) => g.name),
    where,
  );
  const tests = groups.map((g) => {
    if (!g.optimizer || typeof g.optimizer.update !== 'function' || typeof g.optimizer.init !== 'function') {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}.groups["${g.name}"].optimizer: must be an Optimizer (with init and update)`,
      );
    }
    return {
      name: g.name,
      test: toPredicate(g.match, `${where}.groups["${g.name}"].match`),
      optimizer: g.optimizer,
    };
  });
  let cachedKey = '';
  let cached = new Map<string, string[]>();
  const routing = (params: TensorMap): Map<string, string[]> => {
    const names = Object.keys(params).sort();
    const key = names.join('\u0000');
    if (key !== cachedKey || cached.size === 0) {
      cached = route(names, tests, where);
      cachedKey = key;
    }
    return cached;
  };
  const out: Optimizer<PartitionState> = {
    name: `partition(${groups.map((g) => `${g.name}: ${g.optimizer.name}`).join(', ')})`,
    init(params: TensorMap, context?: InitContext): PartitionState {
      const r = routing(params);
      const state: PartitionState = {};
      for (const g of tests) {
        const keys = r.get(g.name)!;
        state[g.name] = keys.length === 0 ? {} : g.optimizer.init(pick(params, keys, `${where}.init`), context);
      }
      return state;
    },
    update(grads: TensorMap, state: PartitionState, params: TensorMap) {
      const r = routing(params);
      const gradKeys = Object.keys(grads).sort();
      const paramKeys = Object.keys(params).sort();
      if (gradKeys.join('\u0000') !== paramKeys.join('\u0000')) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `${where}.update: grads and params must have the same names: [${gradKeys.join(', ')}] vs [${paramKeys.join(', ')}]`,
        );
      }
      const updates: Record<string, tf.Tensor> = {};
      const next: PartitionState = {};
      for (const g of tests) {
        const keys = r.get(g.name)!;
        if (!(g.name in state)) {
          throw new L2oError(
            'SHAPE_MISMATCH',
            `${where}.update: state has no entry for group "${g.name}" (state from another optimizer?)`,
          );
        }
        if (keys.length === 0) {
          next[g.name] = state[g.name]!;
          continue;
        }
        const step = g.optimizer.update(
          pick(grads, keys, `${where}.update`),
          state[g.name]!,
          pick(params, keys, `${where}.update`),
        );
        for (const k of keys) {
          const u = step.updates[k];
          if (!u)
            throw new L2oError(
              'SHAPE_MISMATCH',
              `${where}.update: group "${g.name}" (${g.optimizer.name}) returned no update for "${k}"`,
            );
          updates[k] = u;
        }
        next[g.name] = step.state;
      }
      return { updates, state: next };
    },
  };
  const described = groups.map((g) => ({ g, m: matcherConfig(g.match), c: g.optimizer.config }));
  if (described.some((d) => d.m === undefined || d.c === undefined)) return out;
  const config: JsonObject = {
    name: where,
    groups: described.map((d) => ({ name: d.g.name, pattern: d.m!.pattern, flags: d.m!.flags, optimizer: d.c! })),
  };
  return { ...out, config };
}
