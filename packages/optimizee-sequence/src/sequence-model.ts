import type * as tf from '@tensorflow/tfjs';
import { L2oError, type Rng, type TensorMap } from '@l2o/core';

/** A model of token sequences, built for one vocabulary and input length. */
export interface SequenceModel {
  /** e.g. `rnn-h32` or `attention-d16`. */
  readonly name: string;
  /** Scalar parameters. */
  readonly size: number;
  init(rng: Rng): TensorMap;
  /** Next-token logits [B, T, V] from one-hot inputs [B, T, V]. Differentiable in `params`. */
  logits(params: TensorMap, inputs: tf.Tensor3D): tf.Tensor3D;
}

/** A model architecture with its options, waiting for the task's vocabulary and length. */
export interface SequenceModelSpec {
  readonly name: string;
  build(vocab: number, length: number): SequenceModel;
}

/** The parameter `name` of `params`, or an error naming the model and the parameter. */
export function param(params: TensorMap, name: string, where: string): tf.Tensor {
  const t = params[name];
  if (!t) throw new L2oError('SHAPE_MISMATCH', `${where}: params must hold "${name}"`);
  return t;
}
