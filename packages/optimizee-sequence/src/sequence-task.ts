import { L2oError, type Rng } from '@l2o/core';

/**
 * A minibatch of token sequences as plain arrays, row-major [batch, length]: the model reads `inputs[b, t]` and
 * must predict `targets[b, t]`; only positions with `mask[b, t] = 1` count in the loss.
 */
export interface TokenBatch {
  readonly batch: number;
  readonly length: number;
  readonly inputs: Int32Array;
  readonly targets: Int32Array;
  readonly mask: Float32Array;
}

/** One drawn instance of a task (e.g. one random Markov chain): a source of minibatches. */
export interface SequenceTaskInstance {
  sampleTokens(rng: Rng, batch: number): TokenBatch;
}

/** A sequence task generated in code: its vocabulary, the model's input length, and fresh instances. */
export interface SequenceTask {
  /** Short name used in problem names, e.g. `markov-v8-l16`. */
  readonly name: string;
  /** Tokens are 0…vocab−1. */
  readonly vocab: number;
  /** Positions per input sequence. */
  readonly length: number;
  sampleInstance(rng: Rng): SequenceTaskInstance;
}

/** Checks an integer option; errors name `${where}.${field}`. */
export function intOption(v: unknown, fallback: number, min: number, where: string, field: string): number {
  const x = v ?? fallback;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < min) {
    throw new L2oError('INVALID_OPTION', `${where}.${field}: must be an integer ≥ ${min}, got ${String(x)}`);
  }
  return x;
}

/** Refuses option names outside `known`, naming the allowed ones. */
export function checkKnown(options: object, known: readonly string[], where: string): void {
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', `${where}: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!known.includes(k))
      throw new L2oError('INVALID_OPTION', `${where}: unknown option "${k}"; allowed: ${known.join(', ')}`);
  }
}
