import * as tf from '@tensorflow/tfjs';
import { checkBoolean, checkOptions, checkUnitInterval, zerosLikeMap } from '../optimizer-options.js';
import { assertSameKeys } from '../tensor-map.js';
import type { Optimizer, TensorMap } from '../types.js';
import { checkStateFields, jsonConfig, transformName } from './transform-support.js';

export interface TraceOptions {
  /** Momentum μ in [0, 1). */
  readonly decay: number;
  /** Nesterov's form: out = u + μ v instead of v. Default false. */
  readonly nesterov?: boolean;
}

export type TraceState = {
  /** Accumulated velocity v per parameter (zeros at the start). */
  readonly velocity: TensorMap;
};

/**
 * Momentum: v ← μ v + u;  out = v, or u + μ v with `nesterov` (the form of `tf.train.momentum(α, μ, true)`).
 * No step size and no sign: `chain(trace({ decay: μ, nesterov: true }), scaleByLearningRate(α))` is NAG.
 */
export function trace(options: TraceOptions): Optimizer<TraceState> {
  const where = 'trace';
  const opts = checkOptions(where, options);
  const mu = checkUnitInterval(where, 'decay', opts.decay);
  const nesterov = checkBoolean(where, 'nesterov', opts.nesterov ?? false);
  return {
    name: transformName(where, [
      ['decay', mu],
      ['nesterov', nesterov ? true : undefined],
    ]),
    config: jsonConfig({ name: where, decay: mu, nesterov }),
    init(params): TraceState {
      return { velocity: tf.tidy(() => zerosLikeMap(params)) };
    },
    update(updates, state) {
      checkStateFields(state, ['velocity'], `${where}.update`);
      assertSameKeys(updates, state.velocity, `${where}.update`);
      return tf.tidy(() => {
        const velocity: Record<string, tf.Tensor> = {};
        const out: Record<string, tf.Tensor> = {};
        for (const [k, u] of Object.entries(updates)) {
          const v = tf.add(tf.mul(state.velocity[k]!, mu), u);
          velocity[k] = v;
          // Without Nesterov the output is v itself: a clone (same data, own handle), so that the caller may
          // dispose the updates without disposing the state.
          out[k] = nesterov ? tf.add(u, tf.mul(v, mu)) : tf.clone(v);
        }
        const next: TraceState = { velocity };
        return { updates: out as TensorMap, state: next };
      });
    },
  };
}
