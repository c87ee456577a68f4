import * as tf from '@tensorflow/tfjs';
import { L2oError, type Optimizee, type OptimizeeFamily, type Rng, type TensorMap } from '@l2o/core';
import type { SequenceModel, SequenceModelSpec } from './sequence-model.js';
import {
  checkKnown,
  intOption,
  type SequenceTask,
  type SequenceTaskInstance,
  type TokenBatch,
} from './sequence-task.js';

export interface SequenceFamilyOptions {
  /** The data: e.g. `markovTask()` or `copyTask()`. */
  readonly task: SequenceTask;
  /** The architecture: e.g. `rnnModel()` or `attentionModel()`. */
  readonly model: SequenceModelSpec;
  /** Sequences per minibatch, fresh at every `sampleBatch`. Default 32. */
  readonly batchSize?: number;
}

/** One minibatch: one-hot inputs and targets [B, T, V] and the loss mask [B, T]. The caller disposes them. */
export type SequenceBatch = {
  readonly inputs: tf.Tensor3D;
  readonly targets: tf.Tensor3D;
  readonly mask: tf.Tensor2D;
};

/** Turns token arrays into one-hot tensors. */
export function tokenBatchTensors(tokens: TokenBatch, vocab: number): SequenceBatch {
  const { batch: B, length: T } = tokens;
  const oneHot = (ids: Int32Array): tf.Tensor3D => {
    const v = new Float32Array(B * T * vocab);
    for (let i = 0; i < ids.length; i++) v[i * vocab + ids[i]!] = 1;
    return tf.tensor3d(v, [B, T, vocab]);
  };
  return {
    inputs: oneHot(tokens.inputs),
    targets: oneHot(tokens.targets),
    mask: tf.tensor2d(tokens.mask, [B, T]),
  };
}

/**
 * One problem: a task instance (e.g. one Markov chain) and a model; loss = mean softmax cross-entropy of the
 * next-token predictions over the masked-in positions of a minibatch.
 */
export class SequenceProblem implements Optimizee<SequenceBatch> {
  readonly name: string;
  readonly task: SequenceTask;
  readonly instance: SequenceTaskInstance;
  readonly model: SequenceModel;
  readonly batchSize: number;

  constructor(task: SequenceTask, instance: SequenceTaskInstance, model: SequenceModel, batchSize: number) {
    this.task = task;
    this.instance = instance;
    this.model = model;
    this.batchSize = batchSize;
    this.name = `${task.name}-${model.name}`;
  }

  /** Number of scalar parameters. */
  get size(): number {
    return this.model.size;
  }

  init(rng: Rng): TensorMap {
    return this.model.init(rng);
  }

  sampleBatch(rng: Rng): SequenceBatch {
    return tokenBatchTensors(this.instance.sampleTokens(rng, this.batchSize), this.task.vocab);
  }

  loss(params: TensorMap, batch: SequenceBatch): tf.Scalar {
    return tf.tidy(() => {
      const logp = tf.logSoftmax(this.model.logits(params, batch.inputs));
      const perPosition = tf.neg(tf.sum(tf.mul(batch.targets, logp), 2)); // [B, T]
      return tf.div(tf.sum(tf.mul(perPosition, batch.mask)), tf.maximum(tf.sum(batch.mask), 1)) as tf.Scalar;
    });
  }

  dispose(): void {
    // Holds no tensors.
  }
}

/** The family returned by {@link sequenceFamily}. */
export interface SequenceFamily extends OptimizeeFamily<SequenceBatch> {
  readonly task: SequenceTask;
  readonly model: SequenceModel;
  readonly batchSize: number;
  sample(rng: Rng): SequenceProblem;
}

/** Sequence problems: every `sample` draws a task instance (a fresh Markov chain…); θ₀ comes from `init(rng)`. */
export function sequenceFamily(options: SequenceFamilyOptions): SequenceFamily {
  const where = 'sequenceFamily';
  checkKnown(options, ['task', 'model', 'batchSize'], where);
  const { task, model: spec } = options;
  if (!task || typeof task.sampleInstance !== 'function') {
    throw new L2oError('INVALID_OPTION', `${where}.task: must be a SequenceTask such as markovTask() or copyTask()`);
  }
  if (!spec || typeof spec.build !== 'function') {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.model: must be a SequenceModelSpec such as rnnModel() or attentionModel()`,
    );
  }
  const batchSize = intOption(options.batchSize, 32, 1, where, 'batchSize');
  const model = spec.build(task.vocab, task.length);
  return {
    name: `${task.name}-${model.name}`,
    task,
    model,
    batchSize,
    sample: (rng: Rng) => new SequenceProblem(task, task.sampleInstance(rng), model, batchSize),
  };
}
