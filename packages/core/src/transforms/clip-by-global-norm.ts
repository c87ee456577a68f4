import * as tf from '@tensorflow/tfjs';
import { checkPositive } from '../optimizer-options.js';
import type { Optimizer } from '../types.js';
import { type EmptyState, mapUpdates } from './transform-support.js';

/**
 * Clips the updates as one vector: with n = √(Σ‖uₖ‖²) over every parameter, out = u · c / max(n, c), i.e. u
 * unchanged when n ≤ c (the factor is exactly 1) and rescaled to norm c otherwise. Tensor operations only, so
 * it stays differentiable. Keeps no state.
 */
export function clipByGlobalNorm(maxNorm: number): Optimizer<EmptyState> {
  const where = 'clipByGlobalNorm';
  const c = checkPositive(where, 'maxNorm', maxNorm);
  return {
    name: `${where}(${c})`,
    config: { name: where, maxNorm: c },
    init: (): EmptyState => ({}),
    update(updates) {
      const out = tf.tidy(() => {
        const parts = Object.values(updates).map((u) => tf.sum(tf.square(u)));
        if (parts.length === 0) return {};
        const norm = tf.sqrt(parts.length === 1 ? parts[0]! : tf.addN(parts));
        const factor = tf.div(c, tf.maximum(norm, c));
        return mapUpdates(updates, (u) => tf.mul(u, factor));
      });
      return { updates: out, state: {} };
    },
  };
}
