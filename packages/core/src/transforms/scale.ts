import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from '../types.js';
import { type EmptyState, mapUpdates } from './transform-support.js';
import { L2oError } from '../l2o-error.js';

/** out = c · u for a constant c (any finite number; −1 flips the sign). Keeps no state. */
export function scale(factor: number): Optimizer<EmptyState> {
  const where = 'scale';
  if (typeof factor !== 'number' || !Number.isFinite(factor)) {
    throw new L2oError('INVALID_OPTION', `${where}: factor must be a finite number; got ${String(factor)}`);
  }
  return {
    name: `${where}(${factor})`,
    config: { name: where, factor },
    init: (): EmptyState => ({}),
    update(updates) {
      return { updates: tf.tidy(() => mapUpdates(updates, (u) => tf.mul(u, factor))), state: {} };
    },
  };
}
