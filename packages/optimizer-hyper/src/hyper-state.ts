import * as tf from '@tensorflow/tfjs';
import { type InitContext, orderedKeys } from '@l2o/core/extend';
import { L2oError, type TensorMap } from '@l2o/core';
import { biasCorrections } from './features.js';

/**
 * The hyper optimizer's state, explicit and returned by every update. Per parameter: `m`, `v`, `m2` (12 bytes per
 * float32 parameter). Per parameter tensor, in sorted-key order: `lr` (the log learning-rate offset δ), `e1`,
 * `e2` (the averages of cos(g, m₋)). `step` counts updates; `totalSteps` is the run length (0 when unknown).
 */
export type HyperState = {
  readonly m: TensorMap;
  readonly v: TensorMap;
  readonly m2: TensorMap;
  readonly lr: tf.Tensor1D;
  readonly e1: tf.Tensor1D;
  readonly e2: tf.Tensor1D;
  readonly step: tf.Scalar;
  readonly totalSteps: tf.Scalar;
};

/** The state before the first update: zero moments and offsets, `totalSteps` from the context (0 if absent). */
export function initialHyperState(params: TensorMap, context?: InitContext): HyperState {
  const total = context?.totalSteps;
  if (total !== undefined && !(Number.isInteger(total) && total >= 1)) {
    throw new L2oError(
      'INVALID_OPTION',
      `hyper.init: context.totalSteps must be a positive integer; got ${String(total)}`,
    );
  }
  const keys = orderedKeys(params);
  const zeros = (): TensorMap => Object.fromEntries(keys.map((k) => [k, tf.zerosLike(params[k]!)]));
  return {
    m: zeros(),
    v: zeros(),
    m2: zeros(),
    lr: tf.zeros([keys.length]),
    e1: tf.zeros([keys.length]),
    e2: tf.zeros([keys.length]),
    step: tf.scalar(0),
    totalSteps: tf.scalar(total ?? 0),
  };
}

/** Throws unless the gradients name exactly the parameters the state was made for. */
export function checkGradientNames(state: HyperState, grads: TensorMap): string[] {
  const keys = orderedKeys(state.m);
  const got = orderedKeys(grads);
  if (got.join('\u0000') !== keys.join('\u0000')) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `hyper.update: gradients must have the parameters' names (${keys.join(', ')}); got ${got.join(', ')}`,
    );
  }
  return keys;
}

/** What every implementation of a step starts from: the parameter names, the 1-based step t, the run length, βᵗ corrections. */
export function stepContext(
  config: { readonly beta1: number; readonly beta2: number; readonly beta3: number },
  state: HyperState,
  grads: TensorMap,
): { keys: string[]; t: number; total: number; c1: number; c2: number; c3: number } {
  const keys = checkGradientNames(state, grads);
  const t = state.step.dataSync()[0]! + 1;
  const total = state.totalSteps.dataSync()[0]!;
  return { keys, t, total, ...biasCorrections(t, config.beta1, config.beta2, config.beta3) };
}
