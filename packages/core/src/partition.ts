import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';
import { checkGroupNames, pick, route, toPredicate } from './transforms/param-routing.js';
import { type PartitionState, partitionOptimizer } from './transforms/partition-optimizer.js';
import type { JsonObject, LearnedOptimizer, Optimizer, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

// The hand-designed combinator lives with the other transforms; the learned partition below builds on it.
export { partitionOptimizer };

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
      throw new L2oError(
        'INVALID_OPTION',
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
    throw new L2oError('INVALID_OPTION', `${where}.groups: must be an array of { name, match, learned }`);
  }
  const groups = options.groups;
  checkGroupNames(
    groups.map((g) => g.name),
    where,
  );
  for (const g of groups) {
    if (!(g.match instanceof RegExp)) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}.groups["${g.name}"].match: must be a RegExp (the configuration stores its source), got ${typeof g.match}`,
      );
    }
    toPredicate(g.match, `${where}.groups["${g.name}"].match`);
    if (!g.learned || typeof g.learned.withMetaParams !== 'function') {
      throw new L2oError('INVALID_OPTION', `${where}.groups["${g.name}"].learned: must be a LearnedOptimizer`);
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
    throw new L2oError(
      'INVALID_OPTION',
      'partitionLearned config.groups: must be an array of { name, pattern, flags, kind, config }',
    );
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
        throw new L2oError(
          'INVALID_OPTION',
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
