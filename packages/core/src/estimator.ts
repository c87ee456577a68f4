import type * as tf from '@tensorflow/tfjs';
import type { MetaSlot } from './meta-slot.js';
import type { LossTransform, LossWeighting } from './meta-objective.js';
import type { BatchData, JsonObject, LearnedOptimizer, Optimizee, TensorMap } from './types.js';

/** What an estimator returns for one slot and one truncation. */
export interface MetaGradientEstimate {
  /** The estimate of dL/dφ for this truncation, keyed like φ. The caller owns the tensors. */
  readonly metaGradient: TensorMap;
  /** τ(f(θ_t)) of every step taken (after the loss transform; PES: the mean of the two perturbed trajectories). */
  readonly losses: readonly number[];
  /**
   * The slot after the truncation (its step advanced, its streams moved on). Its tensors are the caller's; they may
   * include tensors of the input slot handed through unchanged, so free the input's with `disposeExcept`.
   */
  readonly slot: MetaSlot;
}

/**
 * A meta-gradient estimator: advances one slot by one truncation under φ and estimates the meta-gradient of that
 * truncation's share of L(φ) = Σ_t w_t τ(f(θ_t)). Pure over the slot: the result depends only on (φ, slot,
 * problem), where the problem is `slotProblem(family, slot.info)`; the input slot's tensors are neither changed nor
 * disposed. So slots can be checkpointed mid-episode and estimated in any process.
 */
export interface MetaGradientEstimator {
  /** 'bptt', 'bptt-fused', 'pes' or a custom name. */
  readonly name: string;
  /** Everything that changes its results, as JSON (recorded in resume fingerprints; what a remote worker needs). */
  readonly config: JsonObject;
  estimate(phi: TensorMap, slot: MetaSlot, problem: Optimizee<BatchData>): MetaGradientEstimate;
}

/** Options common to the shipped estimators. */
export interface EstimatorOptions<State extends tf.TensorContainer> {
  /** The learned optimizer whose φ is estimated for. */
  readonly learned: LearnedOptimizer<State>;
  /** Steps per truncation (K); the last truncation of an episode may be shorter. */
  readonly unroll: number;
  /** w_t: 'uniform' (default), 'linear', or w_1…w_T for a fixed horizon. */
  readonly lossWeights?: LossWeighting;
  /** τ: 'none' (default), 'relative' or 'log'. */
  readonly lossTransform?: LossTransform;
}
