import * as tf from '@tensorflow/tfjs';
import type { InitContext, JsonObject, Optimizer, TensorMap } from '../types.js';
import { L2oError } from '../l2o-error.js';

/** The state type of an optimizer. */
export type StateOf<O> = O extends Optimizer<infer S> ? S : never;

/** The state of a chain: its parts' states, in order. */
export type ChainState<Parts extends readonly Optimizer[]> = { -readonly [K in keyof Parts]: StateOf<Parts[K]> };

/**
 * Transforms applied one after the other, like optax's `chain`: the gradient goes into the first part, each
 * part's output into the next, and the last part's output is the update (so the last part usually carries the
 * step size and the sign: `scaleByLearningRate`). Every part sees the parameters; its state is kept in order,
 * `[s₁, s₂, …]`; `InitContext` is passed to every part. Intermediate tensors are freed. Config
 * `{ name: 'chain', parts: [...] }` when every part has a config.
 */
export function chain<const Parts extends readonly Optimizer[]>(...parts: Parts): Optimizer<ChainState<Parts>> {
  const where = 'chain';
  if (parts.length === 0)
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: needs at least one part, e.g. chain(scaleByAdam(), scaleByLearningRate(0.01))`,
    );
  parts.forEach((p, i) => {
    if (!p || typeof p.init !== 'function' || typeof p.update !== 'function') {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: part ${i} must be an Optimizer (with init and update); got ${String(p)}`,
      );
    }
  });
  const configs = parts.map((p) => p.config);
  const config: JsonObject | undefined = configs.every((c) => c !== undefined)
    ? { name: where, parts: configs as JsonObject[] }
    : undefined;
  const out: Optimizer<ChainState<Parts>> = {
    name: `${where}(${parts.map((p) => p.name).join(', ')})`,
    init(params: TensorMap, context?: InitContext): ChainState<Parts> {
      const states: tf.TensorContainer[] = [];
      try {
        for (const p of parts) states.push(p.init(params, context));
      } catch (e) {
        tf.dispose(states);
        throw e;
      }
      return states as ChainState<Parts>;
    },
    update(grads: TensorMap, state: ChainState<Parts>, params: TensorMap) {
      const states = state as readonly tf.TensorContainer[];
      if (!Array.isArray(states) || states.length !== parts.length) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `${where}.update: state must be an array of ${parts.length} part states (what this chain's init returns)`,
        );
      }
      // tidy frees every intermediate update; the parts' new states and the last updates are returned (kept).
      return tf.tidy(() => {
        let updates = grads;
        const next: tf.TensorContainer[] = [];
        parts.forEach((p, i) => {
          const step = p.update(updates, states[i], params);
          updates = step.updates;
          next.push(step.state);
        });
        return { updates, state: next as ChainState<Parts> };
      });
    },
  };
  return config ? { ...out, config } : out;
}
