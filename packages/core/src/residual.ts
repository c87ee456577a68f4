import * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';
import { cloneContainer, disposeExcept, tensorsIn } from './tensor-container.js';
import { addMaps } from './tensor-map.js';
import { sumOf } from './transforms/sum-of.js';
import type { FusedUnroll, JsonObject, LearnedOptimizer, Optimizer, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** The state of a residual optimizer: the base's state and the learned correction's state. */
export type ResidualState = { base: tf.TensorContainer; learned: tf.TensorContainer };

export interface ResidualOptions {
  /**
   * The hand-designed base. Its updates must depend on the gradients and its own state only (true of SGD, NAG,
   * RMSprop and Adam), never on φ or θ: then the meta-gradient of the sum is the learned part's alone.
   */
  readonly base: Optimizer;
  /** A JSON description of the base from which `resolveBase` rebuilds it (e.g. `{ name: 'nag', learningRate: 1 }`). */
  readonly baseConfig: JsonObject;
  /** The learned correction. */
  readonly learned: LearnedOptimizer;
  /** Display name. Default `residual(<base> + <learned>)`. */
  readonly name?: string;
}

/** The serialisable description of a residual optimizer (its `config`). */
export type ResidualConfig = JsonObject & {
  readonly base: JsonObject;
  readonly kind: string;
  readonly config: JsonObject;
};

function checkState(state: ResidualState, where: string): void {
  if (state === null || typeof state !== 'object' || !('base' in state) || !('learned' in state)) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${where}: state must be { base, learned } (the state of a residual optimizer)`,
    );
  }
}

/** The sum of the base's and the correction's updates with both states side by side. */
function sumOptimizer(name: string, base: Optimizer, correction: Optimizer): Optimizer<ResidualState> {
  return sumOf({ base, learned: correction }, { name }) as Optimizer<ResidualState>;
}

/**
 * A learned correction on top of a hand-designed optimizer: update = base(∇) + learned_φ(∇), state = both.
 * Meta-training starts from the base's behaviour (with a small initial correction) instead of having to
 * discover it, and the meta-gradient is unchanged: with the optimizee's gradients treated as constants the
 * base's updates do not depend on φ, so dL/dφ flows through the learned part only. The learned part's fused
 * unroll and fast inference optimizer are used where it offers them. Kind `'residual'`.
 */
export function residualLearned(options: ResidualOptions): LearnedOptimizer<ResidualState, ResidualConfig> {
  const where = 'residualLearned';
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', `${where}: options must be { base, baseConfig, learned }`);
  const { base, learned } = options;
  if (!base || typeof base.update !== 'function' || typeof base.init !== 'function') {
    throw new L2oError('INVALID_OPTION', `${where}.base: must be an Optimizer (with init and update)`);
  }
  if (!learned || typeof learned.withMetaParams !== 'function')
    throw new L2oError('INVALID_OPTION', `${where}.learned: must be a LearnedOptimizer`);
  if (options.baseConfig === null || typeof options.baseConfig !== 'object' || Array.isArray(options.baseConfig)) {
    throw new L2oError('INVALID_OPTION', `${where}.baseConfig: must be a JSON object describing the base`);
  }
  const name = options.name ?? `residual(${base.name} + ${learned.name})`;
  const out: LearnedOptimizer<ResidualState, ResidualConfig> = {
    name,
    kind: 'residual',
    config: { base: options.baseConfig, kind: learned.kind, config: learned.config },
    initMetaParams(rng: Rng): TensorMap {
      return learned.initMetaParams(rng);
    },
    withMetaParams(phi: TensorMap): Optimizer<ResidualState> {
      return sumOptimizer(name, base, learned.withMetaParams(phi));
    },
    inferenceOptimizer(phi: TensorMap): Optimizer<ResidualState> {
      return sumOptimizer(name, base, learned.inferenceOptimizer?.(phi) ?? learned.withMetaParams(phi));
    },
  };
  if (typeof learned.beginFusedUnroll === 'function') {
    out.beginFusedUnroll = (phi: TensorMap, state: ResidualState): FusedUnroll<ResidualState> | undefined => {
      checkState(state, `${where}.beginFusedUnroll`);
      const inner = learned.beginFusedUnroll!(phi, state.learned);
      if (!inner) return undefined;
      // The base runs on tfjs beside the kernel; its state advances here (the caller keeps `state.base`).
      let baseState = state.base;
      let owned = false;
      return {
        step(grads: TensorMap, params?: TensorMap): TensorMap {
          const b = tf.tidy(() => base.update(grads, baseState, params ?? grads));
          const next = tensorsIn(b.state);
          for (const t of next) tf.keep(t);
          if (owned) disposeExcept(baseState, b.state);
          baseState = b.state;
          owned = true;
          const l = inner.step(grads, params);
          const sum = tf.tidy(() => addMaps(b.updates, l));
          // Free both parts' update tensors, unless a state holds one (an optimizer may hand one out as both).
          const held = new Set(next.map((t) => t.id));
          for (const t of [...Object.values(b.updates), ...Object.values(l)]) if (!held.has(t.id)) t.dispose();
          return sum;
        },
        state(): ResidualState {
          return { base: cloneContainer(baseState), learned: inner.state() };
        },
        metaGradient(grads: readonly TensorMap[], weights: readonly number[]): TensorMap {
          // The base's updates are constants in φ: the learned part's meta-gradient is the whole of it.
          return inner.metaGradient(grads, weights);
        },
        dispose(): void {
          inner.dispose();
          if (owned) tf.dispose(baseState);
          owned = false;
        },
      };
    };
  }
  return out;
}

/**
 * Rebuilds a residual optimizer from its saved config, given how to rebuild the learned part (from its kind and
 * config) and the base (from its JSON description).
 */
export function residualLearnedFromConfig(
  config: JsonObject,
  resolveLearned: (kind: string, config: JsonObject) => LearnedOptimizer,
  resolveBase: (config: JsonObject) => Optimizer,
): LearnedOptimizer<ResidualState, ResidualConfig> {
  const c = config as { base?: unknown; kind?: unknown; config?: unknown };
  const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(c.base) || typeof c.kind !== 'string' || !isObject(c.config)) {
    throw new L2oError(
      'INVALID_OPTION',
      'residualLearned config: must be { base: object, kind: string, config: object }',
    );
  }
  return residualLearned({ base: resolveBase(c.base), baseConfig: c.base, learned: resolveLearned(c.kind, c.config) });
}
