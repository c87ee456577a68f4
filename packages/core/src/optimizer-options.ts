import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** Throws unless `value` is a finite number > 0. */
export function checkPositive(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a finite number > 0; got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a number in [0, 1). */
export function checkUnitInterval(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a number in [0, 1); got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a boolean. */
export function checkBoolean(where: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be true or false; got ${String(value)}`);
  }
  return value;
}

/** Throws unless `options` is an object (the factories take one options argument). */
export function checkOptions<T extends object>(where: string, options: T | undefined): T {
  if (options === null || typeof options !== 'object') {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: options must be an object such as { learningRate: 0.01 }; got ${String(options)}`,
    );
  }
  return options;
}

/**
 * `name(lr=…, k=v, …)`: the learning rate always, other hyperparameters only where they differ from the
 * defaults, so two differently configured optimizers never share a name.
 */
export function optimizerName(
  base: string,
  learningRate: number,
  extras: ReadonlyArray<readonly [string, number | boolean | undefined, number | boolean | undefined]> = [],
): string {
  const parts = [`lr=${String(learningRate)}`];
  for (const [key, value, dflt] of extras) {
    if (value !== undefined && value !== dflt) parts.push(`${key}=${String(value)}`);
  }
  return `${base}(${parts.join(', ')})`;
}

/** The backend's epsilon (what tf.train.* optimizers use when epsilon is not given), read when needed. */
export function resolveEpsilon(epsilon: number | undefined): number {
  return epsilon ?? tf.backend().epsilon();
}

/** Zeros shaped like every tensor of `params`. The caller owns them. */
export function zerosLikeMap(params: TensorMap): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(params)) out[k] = tf.zerosLike(t);
  return out;
}
