import * as tf from '@tensorflow/tfjs';
import { lossAndGrad } from './loss-and-grad.js';
import type { SlotInfo } from './meta-slot.js';
import { Rng } from './rng.js';
import { disposeExcept } from './tensor-container.js';
import { disposeBatch, disposeMap } from './tensor-map.js';
import type { BatchData, LearnedOptimizer, Optimizee, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** One optimizee trajectory in flight: θ, the optimizer's state, and ∇f at θ on the last minibatch. */
export type UnrollTensors = {
  readonly theta: TensorMap;
  readonly state: tf.TensorContainer;
  readonly grads: TensorMap;
};

/**
 * Starts an episode: θ₀ from the slot's init stream, the optimizer's initial state (told the horizon), ∇f(θ₀) and
 * f(θ₀) on the first minibatch drawn from `batchRng`. The caller owns the tensors.
 */
export function startEpisode<State extends tf.TensorContainer>(
  learned: LearnedOptimizer<State>,
  phi: TensorMap,
  problem: Optimizee<BatchData>,
  info: SlotInfo,
  batchRng: Rng,
): { tensors: UnrollTensors; initialLoss: number } {
  const theta = problem.init(Rng.fromState(info.initRng));
  const state = learned.withMetaParams(phi).init(theta, { totalSteps: info.horizon });
  const batch = problem.sampleBatch(batchRng);
  const first = lossAndGrad(problem, theta, batch);
  disposeBatch(batch);
  const initialLoss = first.loss.dataSync()[0]!;
  first.loss.dispose();
  return { tensors: { theta, state, grads: first.grads }, initialLoss };
}

/** The number of steps of the slot's next truncation; throws if the episode is already over. */
export function truncationSteps(info: SlotInfo, unroll: number): number {
  const steps = Math.min(unroll, info.horizon - info.step);
  if (steps < 1) {
    throw new L2oError(
      'INVALID_STATE',
      `estimate: the slot's episode ${info.episode} is over (step ${info.step} of ${info.horizon})`,
    );
  }
  return steps;
}

/**
 * Runs `steps` optimizee steps from `start`: θ ← θ + update, a fresh minibatch, f and ∇f at the new θ.
 * `advance` gives the next θ and state (it runs inside `tf.tidy`). Returns the end of the trajectory, the gradients
 * ∇_0…∇_K (∇_0 is `start.grads`; with `keepGradients` false only ∇_0 and ∇_K are kept) and f(θ_1)…f(θ_K).
 * `start` is neither changed nor disposed; everything else returned belongs to the caller.
 */
export function forwardTruncation(
  problem: Optimizee<BatchData>,
  start: UnrollTensors,
  batchRng: Rng,
  steps: number,
  advance: (
    grads: TensorMap,
    theta: TensorMap,
    state: tf.TensorContainer,
  ) => {
    theta: TensorMap;
    state: tf.TensorContainer;
  },
  keepGradients: boolean,
): { theta: TensorMap; state: tf.TensorContainer; grads: TensorMap[]; losses: number[] } {
  let theta = start.theta;
  let state = start.state;
  const grads: TensorMap[] = [start.grads];
  const losses: tf.Scalar[] = [];
  for (let k = 0; k < steps; k++) {
    const g = grads[grads.length - 1]!;
    const next = tf.tidy(() => advance(g, theta, state));
    if (theta !== start.theta) disposeMap(theta);
    // An optimizer may hand a state tensor through unchanged: never dispose what the new state holds.
    if (state !== start.state) disposeExcept(state, next.state);
    theta = next.theta;
    state = next.state;
    const batch = problem.sampleBatch(batchRng);
    const lg = lossAndGrad(problem, theta, batch);
    disposeBatch(batch);
    losses.push(lg.loss);
    if (!keepGradients && grads.length > 1) disposeMap(grads.pop());
    grads.push(lg.grads);
  }
  const stacked = tf.stack(losses);
  const values = Array.from(stacked.dataSync());
  tf.dispose([stacked, ...losses]);
  return { theta, state, grads, losses: values };
}
