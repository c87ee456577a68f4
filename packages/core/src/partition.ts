import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';
import type { InitContext, JsonObject, LearnedOptimizer, Optimizer, TensorMap } from './types.js';

/** Selects parameters by name: a RegExp (serialisable) or a predicate. */
export type ParamMatcher = RegExp | ((paramName: string) => boolean);

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

function checkGroupNames(names: readonly string[], where: string): void {
  if (names.length === 0) throw new Error(`${where}.groups: must hold at least one group`);
  const seen = new Set<string>();
  for (const n of names) {
    if (typeof n !== 'string' || n.length === 0 || n.includes('/')) {
      throw new Error(`${where}.groups: group name must be a non-empty string without "/", got ${JSON.stringify(n)}`);
    }
    if (seen.has(n)) throw new Error(`${where}.groups: group name "${n}" appears twice; names must be unique`);
    seen.add(n);
  }
}

/** A stateless test for a matcher (RegExps with the g or y flag keep state in `lastIndex`; they are rejected). */
function toPredicate(match: ParamMatcher, group: string, where: string): (name: string) => boolean {
  if (match instanceof RegExp) {
    if (match.global || match.sticky) {
      throw new Error(
        `${where}.groups["${group}"].match: RegExp flags g and y are not allowed (they make test() stateful), got /${match.source}/${match.flags}`,
      );
    }
    return (name) => match.test(name);
  }
  if (typeof match !== 'function') {
    throw new Error(`${where}.groups["${group}"].match: must be a RegExp or a function (paramName) => boolean`);
  }
  return match;
}

/**
 * Assigns every parameter name to its group; throws naming the parameter when it matches no group or several.
 * Returns the names of each group, in the order of `names`.
 */
function route(
  names: readonly string[],
  groups: readonly { name: string; test: (n: string) => boolean }[],
  where: string,
): Map<string, string[]> {
  const out = new Map<string, string[]>(groups.map((g) => [g.name, []]));
  for (const p of names) {
    const hits = groups.filter((g) => g.test(p));
    if (hits.length !== 1) {
      throw new Error(
        `${where}: parameter "${p}" matches ${hits.length === 0 ? 'no group' : `${hits.length} groups (${hits.map((g) => g.name).join(', ')})`}; ` +
          `every parameter must match exactly one of: ${groups.map((g) => g.name).join(', ')}`,
      );
    }
    out.get(hits[0]!.name)!.push(p);
  }
  return out;
}

function pick(map: TensorMap, keys: readonly string[], where: string): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const k of keys) {
    const t = map[k];
    if (!t) throw new Error(`${where}: missing "${k}"`);
    out[k] = t;
  }
  return out;
}

/**
 * An optimizer that routes groups of parameters to different optimizers (hand-designed or learned), like optax's
 * `partition`: each group's optimizer sees only its parameters, and the state is each group's state under its
 * name. Every parameter must match exactly one group; a group that matches nothing gets the state `{}`.
 */
export function partitionOptimizer(options: PartitionOptions): Optimizer<PartitionState> {
  const where = 'partitionOptimizer';
  if (options === null || typeof options !== 'object' || !Array.isArray(options.groups)) {
    throw new Error(`${where}.groups: must be an array of { name, match, optimizer }`);
  }
  const groups = options.groups;
  checkGroupNames(
    groups.map((g) => g.name),
    where,
  );
  const tests = groups.map((g) => {
    if (!g.optimizer || typeof g.optimizer.update !== 'function' || typeof g.optimizer.init !== 'function') {
      throw new Error(`${where}.groups["${g.name}"].optimizer: must be an Optimizer (with init and update)`);
    }
    return { name: g.name, test: toPredicate(g.match, g.name, where), optimizer: g.optimizer };
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
  return {
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
        throw new Error(
          `${where}.update: grads and params must have the same names: [${gradKeys.join(', ')}] vs [${paramKeys.join(', ')}]`,
        );
      }
      const updates: Record<string, tf.Tensor> = {};
      const next: PartitionState = {};
      for (const g of tests) {
        const keys = r.get(g.name)!;
        if (!(g.name in state)) {
          throw new Error(`${where}.update: state has no entry for group "${g.name}" (state from another optimizer?)`);
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
            throw new Error(`${where}.update: group "${g.name}" (${g.optimizer.name}) returned no update for "${k}"`);
          updates[k] = u;
        }
        next[g.name] = step.state;
      }
      return { updates, state: next };
    },
  };
}

export interface LearnedPartitionGroup {
  /** Group name: non-empty, unique, without '/'. φ of this group is stored under `${name}/…`. */
  readonly name: string;
  /** Which parameters the group owns (a RegExp, so that the configuration is serialisable). No g or y flag. */
  readonly match: RegExp;
  readonly learned: LearnedOptimizer;
}

export interface LearnedPartitionOptions {
  readonly groups: readonly LearnedPartitionGroup[];
  /** Display name. Default `partition(conv: lstm, rest: lstm)` style. */
  readonly name?: string;
}

/** The serialisable description of a learned partition (its `config`). */
export type LearnedPartitionConfig = JsonObject & {
  readonly groups: Array<{ name: string; pattern: string; flags: string; kind: string; config: JsonObject }>;
};

/** Splits φ of a learned partition into each group's φ (prefix removed); throws on keys of no group. */
export function splitPartitionMetaParams(phi: TensorMap, groupNames: readonly string[]): Map<string, TensorMap> {
  const out = new Map<string, Record<string, tf.Tensor>>(groupNames.map((g) => [g, {}]));
  for (const [k, t] of Object.entries(phi)) {
    const slash = k.indexOf('/');
    const group = slash > 0 ? out.get(k.slice(0, slash)) : undefined;
    if (!group) {
      throw new Error(
        `partitionLearned: meta-parameter "${k}" belongs to no group; names must start with one of: ${groupNames.map((g) => `${g}/`).join(', ')}`,
      );
    }
    group[k.slice(slash + 1)] = t;
  }
  return out;
}

/** Whether a tensor container holds `t` (an optimizer may hand the same tensor out as update and state). */
function holds(c: tf.TensorContainer, t: tf.Tensor): boolean {
  if (c instanceof tf.Tensor) return c === t;
  if (Array.isArray(c)) return c.some((x) => holds(x as tf.TensorContainer, t));
  if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) {
    return Object.values(c).some((x) => holds(x as tf.TensorContainer, t));
  }
  return false;
}

function prefixed(map: TensorMap, group: string): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(map)) out[`${group}/${k}`] = t;
  return out;
}

/**
 * A learned optimizer made of learned optimizers for parameter groups (the paper's CIFAR setup: one LSTM for the
 * conv kernels, another for everything else, meta-trained together). φ is the union of the groups' φ with
 * names prefixed `${group}/`; `withMetaParams` gives a {@link partitionOptimizer}. Kind `'partition'`; the config
 * lists each group's RegExp (source and flags), kind and config. A group's fast inference optimizer is used
 * where it offers one. Where every non-empty group offers a fused unroll, so does the partition.
 */
export function partitionLearned(
  options: LearnedPartitionOptions,
): LearnedOptimizer<PartitionState, LearnedPartitionConfig> {
  const where = 'partitionLearned';
  if (options === null || typeof options !== 'object' || !Array.isArray(options.groups)) {
    throw new Error(`${where}.groups: must be an array of { name, match, learned }`);
  }
  const groups = options.groups;
  checkGroupNames(
    groups.map((g) => g.name),
    where,
  );
  for (const g of groups) {
    if (!(g.match instanceof RegExp)) {
      throw new Error(
        `${where}.groups["${g.name}"].match: must be a RegExp (the configuration stores its source), got ${typeof g.match}`,
      );
    }
    toPredicate(g.match, g.name, where);
    if (!g.learned || typeof g.learned.withMetaParams !== 'function') {
      throw new Error(`${where}.groups["${g.name}"].learned: must be a LearnedOptimizer`);
    }
  }
  const names = groups.map((g) => g.name);
  const config: LearnedPartitionConfig = {
    groups: groups.map((g) => ({
      name: g.name,
      pattern: g.match.source,
      flags: g.match.flags,
      kind: g.learned.kind,
      config: g.learned.config,
    })),
  };
  const build = (
    phi: TensorMap,
    pickOptimizer: (l: LearnedOptimizer, sub: TensorMap) => Optimizer,
  ): Optimizer<PartitionState> => {
    const parts = splitPartitionMetaParams(phi, names);
    return partitionOptimizer({
      groups: groups.map((g) => ({
        name: g.name,
        match: g.match,
        optimizer: pickOptimizer(g.learned, parts.get(g.name)!),
      })),
    });
  };
  const learned: LearnedOptimizer<PartitionState, LearnedPartitionConfig> = {
    name: options.name ?? `partition(${groups.map((g) => `${g.name}: ${g.learned.name}`).join(', ')})`,
    kind: 'partition',
    config,
    initMetaParams(rng: Rng): TensorMap {
      const out: Record<string, tf.Tensor> = {};
      for (const g of groups) Object.assign(out, prefixed(g.learned.initMetaParams(rng.fork()), g.name));
      return out;
    },
    withMetaParams(phi: TensorMap): Optimizer<PartitionState> {
      const inner = build(phi, (l, sub) => l.withMetaParams(sub));
      const tests = groups.map((g) => ({ name: g.name, test: (n: string) => g.match.test(n) }));
      return {
        name: inner.name,
        init: (params, context) => inner.init(params, context),
        update(grads, state, params) {
          const step = inner.update(grads, state, params);
          // The φ of a group that owns no parameter does not reach the loss, and tf.grads throws on an input
          // with no path to the output. Adding 0·Σφ of those groups to one update gives them an exact zero
          // meta-gradient instead (and leaves the update's value unchanged for finite φ).
          const r = route(Object.keys(params).sort(), tests, where);
          const idle = groups.filter((g) => r.get(g.name)!.length === 0);
          const target = Object.keys(step.updates).sort()[0];
          if (idle.length === 0 || target === undefined) return step;
          const parts = splitPartitionMetaParams(phi, names);
          const idlePhi = idle.flatMap((g) => Object.values(parts.get(g.name)!));
          if (idlePhi.length === 0) return step;
          const old = step.updates[target]!;
          const tied = tf.tidy(() => tf.add(old, tf.mul(tf.addN(idlePhi.map((t) => tf.sum(t))), 0)));
          if (!holds(step.state, old)) old.dispose();
          return { updates: { ...step.updates, [target]: tied }, state: step.state };
        },
      };
    },
    inferenceOptimizer(phi: TensorMap): Optimizer<PartitionState> {
      return build(phi, (l, sub) => l.inferenceOptimizer?.(sub) ?? l.withMetaParams(sub));
    },
  };
  if (groups.some((g) => typeof g.learned.beginFusedUnroll === 'function')) {
    learned.beginFusedUnroll = (phi, state) => {
      const parts = splitPartitionMetaParams(phi, names);
      const fused: {
        name: string;
        unroll: NonNullable<ReturnType<NonNullable<LearnedOptimizer['beginFusedUnroll']>>>;
      }[] = [];
      const empty = new Set<string>();
      for (const g of groups) {
        // A group that owns no parameter has the state {} and takes no step.
        const s = state[g.name];
        if (
          s !== undefined &&
          typeof s === 'object' &&
          s !== null &&
          !Array.isArray(s) &&
          Object.keys(s).length === 0
        ) {
          empty.add(g.name);
          continue;
        }
        const f = g.learned.beginFusedUnroll?.(parts.get(g.name)!, s as tf.TensorContainer);
        if (!f) {
          for (const x of fused) x.unroll.dispose();
          return undefined;
        }
        fused.push({ name: g.name, unroll: f });
      }
      let routing: Map<string, string[]> | undefined;
      const tests = groups.map((g) => ({ name: g.name, test: (n: string) => g.match.test(n) }));
      const routed = (grads: TensorMap): Map<string, string[]> =>
        (routing ??= route(Object.keys(grads).sort(), tests, where));
      return {
        step(grads: TensorMap, params?: TensorMap): TensorMap {
          const r = routed(grads);
          const updates: Record<string, tf.Tensor> = {};
          for (const f of fused) {
            const keys = r.get(f.name)!;
            Object.assign(
              updates,
              f.unroll.step(
                pick(grads, keys, `${where}.fused.step`),
                params && pick(params, keys, `${where}.fused.step`),
              ),
            );
          }
          return updates;
        },
        state(): PartitionState {
          const out: PartitionState = {};
          for (const g of groups)
            out[g.name] = empty.has(g.name) ? {} : fused.find((f) => f.name === g.name)!.unroll.state();
          return out;
        },
        metaGradient(grads: readonly TensorMap[], weights: readonly number[]): TensorMap {
          const r = routed(grads[0]!);
          const out: Record<string, tf.Tensor> = {};
          for (const f of fused) {
            const keys = r.get(f.name)!;
            const sub = f.unroll.metaGradient(
              grads.map((g) => pick(g, keys, `${where}.fused.metaGradient`)),
              weights,
            );
            Object.assign(out, prefixed(sub, f.name));
          }
          // Groups without parameters do not move the loss: their meta-gradient is zero.
          for (const name of empty) {
            for (const [k, t] of Object.entries(parts.get(name)!)) out[`${name}/${k}`] = tf.zerosLike(t);
          }
          return out;
        },
        dispose(): void {
          for (const f of fused) f.unroll.dispose();
        },
      };
    };
  }
  return learned;
}

/**
 * Rebuilds a learned partition from its saved config, given a way to rebuild each group's learned optimizer from
 * its kind and config (e.g. a registry of optimizer packages).
 */
export function partitionLearnedFromConfig(
  config: JsonObject,
  resolve: (kind: string, config: JsonObject) => LearnedOptimizer,
): LearnedOptimizer<PartitionState, LearnedPartitionConfig> {
  const groups = (config as { groups?: unknown }).groups;
  if (!Array.isArray(groups))
    throw new Error('partitionLearned config.groups: must be an array of { name, pattern, flags, kind, config }');
  return partitionLearned({
    groups: groups.map((g: unknown, i: number) => {
      const e = g as { name?: unknown; pattern?: unknown; flags?: unknown; kind?: unknown; config?: unknown };
      if (
        typeof e.name !== 'string' ||
        typeof e.pattern !== 'string' ||
        typeof e.kind !== 'string' ||
        e.config === null ||
        typeof e.config !== 'object'
      ) {
        throw new Error(
          `partitionLearned config.groups[${i}]: must have string name, pattern, kind and an object config`,
        );
      }
      return {
        name: e.name,
        match: new RegExp(e.pattern, typeof e.flags === 'string' ? e.flags : ''),
        learned: resolve(e.kind, e.config as JsonObject),
      };
    }),
  });
}
