import type * as tf from '@tensorflow/tfjs';
import type { Rng } from './rng.js';

/** The data of one loss evaluation: tensors (any nesting), or `null` for deterministic tasks. */
export type BatchData = tf.TensorContainer | null;

/** Named parameters of an optimizee, flat: every entry is one tensor. */
export type TensorMap = Readonly<Record<string, tf.Tensor>>;

/**
 * A task: a loss that is a pure function of its parameters and a batch of data.
 * `Batch` may hold tensors; whoever calls `sampleBatch` owns them and disposes them with `tf.dispose`.
 */
export interface Optimizee<Batch extends BatchData = BatchData> {
  readonly name: string;
  /** Fresh starting parameters θ₀. The caller owns the returned tensors. */
  init(rng: Rng): TensorMap;
  /** The data for one loss evaluation (a minibatch; `null` for deterministic tasks). */
  sampleBatch(rng: Rng): Batch;
  /** f(θ; batch). Must be differentiable in `params` and must not dispose its inputs. */
  loss(params: TensorMap, batch: Batch): tf.Scalar;
  /** Frees the tensors this problem holds (its data, its fixed matrices). Optional. */
  dispose?(): void;
}

/** A distribution over optimizees: every `sample` draws a fresh problem. */
export interface OptimizeeFamily<Batch extends BatchData = BatchData> {
  readonly name: string;
  sample(rng: Rng): Optimizee<Batch>;
}

/**
 * What an optimizer may be told about the run it starts. Every field is an optional hint: optimizers that do not
 * use it ignore it, and combinators pass it on to their parts.
 */
export interface InitContext {
  /**
   * The number of steps the run will take, when known (evaluation, meta-training, a user's training loop). Learned
   * optimizers with a notion of training progress (t / totalSteps) read it; hand-designed ones ignore it.
   */
  readonly totalSteps?: number;
}

/** Result of one optimizer step: the additive updates (θ ← θ + updates) and the next state. */
export type OptimizerStep<State> = {
  readonly updates: TensorMap;
  readonly state: State;
};

/**
 * A hand-designed or learned optimizer. Its state is explicit and returned, never mutated in place, so
 * meta-gradients can flow through it. `update` must not dispose its inputs; the caller owns the outputs.
 */
export interface Optimizer<State extends tf.TensorContainer = tf.TensorContainer> {
  readonly name: string;
  /**
   * A JSON description it can be rebuilt from (`{ name, … }`), where it has one: core's transforms and their
   * combinations (`optimizerFromConfig`), Adam, the baselines. Absent when a part cannot be written as JSON
   * (a predicate mask, a learned optimizer's φ).
   */
  readonly config?: JsonObject;
  /** The state before the first step. `context` carries optional hints about the run ({@link InitContext}). */
  init(params: TensorMap, context?: InitContext): State;
  update(grads: TensorMap, state: State, params: TensorMap): OptimizerStep<State>;
}

/** A learned optimizer: meta-parameters φ turn it into an ordinary {@link Optimizer}. */
export interface LearnedOptimizer<
  State extends tf.TensorContainer = tf.TensorContainer,
  Config extends JsonObject = JsonObject,
> {
  readonly name: string;
  /** A stable identifier of the architecture, written into saved files (e.g. `"lstm"`). */
  readonly kind: string;
  /** Everything needed to rebuild this architecture, JSON-serialisable. */
  readonly config: Config;
  /** Fresh meta-parameters. The caller owns the returned tensors. */
  initMetaParams(rng: Rng): TensorMap;
  /** An optimizer using φ. Differentiable in φ. Does not take ownership of `phi`. */
  withMetaParams(phi: TensorMap): Optimizer<State>;
  /**
   * Optional fast path for meta-training: runs one truncated unroll through a fused kernel. Only for optimizers
   * whose updates do not depend on θ. Return `undefined` to use the generic path.
   */
  beginFusedUnroll?(phi: TensorMap, state: State): FusedUnroll<State> | undefined;
  /**
   * Optional fast optimizer for evaluation only (not differentiable in φ): same updates and state as
   * `withMetaParams(phi)` within float32 tolerance. Evaluation and validation use it where offered.
   */
  inferenceOptimizer?(phi: TensorMap): Optimizer<State>;
}

/** The optimizer to evaluate a learned optimizer with: its fast inference path where it has one. */
export function optimizerForEvaluation<State extends tf.TensorContainer>(
  learned: LearnedOptimizer<State>,
  phi: TensorMap,
): Optimizer<State> {
  return learned.inferenceOptimizer?.(phi) ?? learned.withMetaParams(phi);
}

/**
 * One unroll of a learned optimizer through a fused kernel, used by the meta-trainer in place of
 * `withMetaParams(phi).update` + `unrollMetaGradient`, and tested against them.
 */
export interface FusedUnroll<State> {
  /**
   * The updates for the next step (what `update(grads, state, params).updates` gives); saves what the backward
   * needs. `params` (θ at this step) is passed on to parts that take it, such as a residual's hand-designed base.
   */
  step(grads: TensorMap, params?: TensorMap): TensorMap;
  /** The optimizer state after the steps taken (new tensors, owned by the caller). */
  state(): State;
  /** dL/dφ of the unroll: same arguments and result as core's `unrollMetaGradient`. */
  metaGradient(grads: readonly TensorMap[], weights: readonly number[]): TensorMap;
  /** Frees the kernel's per-unroll resources. */
  dispose(): void;
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };
