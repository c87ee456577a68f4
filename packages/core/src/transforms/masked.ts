import * as tf from '@tensorflow/tfjs';
import type { InitContext, Optimizer, TensorMap } from '../types.js';
import { matcherConfig, matcherName, type ParamMatcher, pick, toPredicate } from './param-routing.js';
import type { EmptyState } from './transform-support.js';
import { L2oError } from '../l2o-error.js';

/**
 * `inner` applied to the parameters `mask` selects only; the other updates pass through unchanged (as new
 * handles on the same data). The state is the inner state of the selected parameters, or `{}` when the mask
 * selects none (then `inner` is never called). `InitContext` is passed on. Config
 * `{ name: 'masked', pattern, flags, inner }` when the mask is a RegExp and `inner` has a config.
 */
export function masked<State extends tf.TensorContainer>(
  inner: Optimizer<State>,
  mask: ParamMatcher,
): Optimizer<State | EmptyState> {
  const where = 'masked';
  if (!inner || typeof inner.init !== 'function' || typeof inner.update !== 'function') {
    throw new L2oError('INVALID_OPTION', `${where}.inner: must be an Optimizer (with init and update)`);
  }
  const selects = toPredicate(mask, `${where}.mask`);
  const described = matcherConfig(mask);
  const selected = (map: TensorMap): string[] => Object.keys(map).filter((k) => selects(k));
  const out: Optimizer<State | EmptyState> = {
    name: `${where}(${inner.name}, ${matcherName(mask)})`,
    init(params: TensorMap, context?: InitContext): State | EmptyState {
      const keys = selected(params);
      return keys.length === 0 ? {} : inner.init(pick(params, keys, `${where}.init`), context);
    },
    update(updates: TensorMap, state: State | EmptyState, params: TensorMap) {
      const keys = selected(updates);
      if (keys.length === 0) {
        return { updates: tf.tidy(() => cloneAll(updates)), state };
      }
      return tf.tidy(() => {
        const step = inner.update(
          pick(updates, keys, `${where}.update`),
          state as State,
          pick(params, keys, `${where}.update`),
        );
        const next: Record<string, tf.Tensor> = {};
        for (const [k, u] of Object.entries(updates)) {
          const v = selects(k) ? step.updates[k] : tf.clone(u);
          if (!v) throw new L2oError('SHAPE_MISMATCH', `${where}.update: ${inner.name} returned no update for "${k}"`);
          next[k] = v;
        }
        return { updates: next as TensorMap, state: step.state };
      });
    },
  };
  if (described === undefined || inner.config === undefined) return out;
  return { ...out, config: { name: where, pattern: described.pattern, flags: described.flags, inner: inner.config } };
}

function cloneAll(map: TensorMap): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(map)) out[k] = tf.clone(t);
  return out;
}
