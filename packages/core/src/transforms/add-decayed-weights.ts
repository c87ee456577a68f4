import * as tf from '@tensorflow/tfjs';
import { assertSameKeys } from '../tensor-map.js';
import type { Optimizer } from '../types.js';
import { matcherConfig, matcherName, type ParamMatcher, toPredicate } from './param-routing.js';
import { type EmptyState, jsonConfig, mapUpdates } from './transform-support.js';
import { L2oError } from '../l2o-error.js';

/**
 * Decoupled weight decay: out = u + λ θ for the parameters `mask` selects (all when it is absent), u unchanged for
 * the others. Placed before `scaleByLearningRate` it gives AdamW's θ ← θ − α(t)(û + λ θ). Keeps no state.
 */
export function addDecayedWeights(rate: number, mask?: ParamMatcher): Optimizer<EmptyState> {
  const where = 'addDecayedWeights';
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0) {
    throw new L2oError('INVALID_OPTION', `${where}: rate must be a finite number ≥ 0; got ${String(rate)}`);
  }
  const selects = mask === undefined ? () => true : toPredicate(mask, `${where}.mask`);
  const masked = mask === undefined ? undefined : matcherConfig(mask);
  const out: Optimizer<EmptyState> = {
    name: mask === undefined ? `${where}(${rate})` : `${where}(${rate}, mask=${matcherName(mask)})`,
    init: (): EmptyState => ({}),
    update(updates, _state, params) {
      assertSameKeys(updates, params, `${where}.update`);
      const next = tf.tidy(() =>
        mapUpdates(updates, (u, k) => (selects(k) ? tf.add(u, tf.mul(params[k]!, rate)) : tf.clone(u))),
      );
      return { updates: next, state: {} };
    },
  };
  if (mask !== undefined && masked === undefined) return out; // a predicate mask: no JSON description
  return { ...out, config: jsonConfig({ name: where, rate, pattern: masked?.pattern, flags: masked?.flags }) };
}
