import type * as tf from '@tensorflow/tfjs';
import type { InitContext, JsonObject, Optimizer, TensorMap } from '../types.js';
import { L2oError } from '../l2o-error.js';

export interface MapStateOptions<Outer, Inner> {
  /** The inner optimizer's state from the outer layout (the same tensors, no copies). */
  readonly toInner: (state: Outer) => Inner;
  /** The outer layout of an inner state (the same tensors, no copies). */
  readonly toOuter: (state: Inner) => Outer;
  /** Display name. Default the inner optimizer's. */
  readonly name?: string;
  /** The JSON description of the result, if it has one (the inner config describes another state layout). */
  readonly config?: JsonObject;
  /** Runs before every update, e.g. to check the gradients against the state and name the optimizer in errors. */
  readonly validate?: (grads: TensorMap, state: Outer, params: TensorMap) => void;
}

/**
 * The same optimizer with its state in another layout: `init` and `update` go through `inner` and the state is
 * translated both ways. The baselines use it to keep their documented states (`{ velocity }`, `{ m, v, step, … }`)
 * over chains of transforms, so checkpoints and code written against those layouts keep working.
 */
export function mapState<Outer extends tf.TensorContainer, Inner extends tf.TensorContainer>(
  inner: Optimizer<Inner>,
  options: MapStateOptions<Outer, Inner>,
): Optimizer<Outer> {
  if (!inner || typeof inner.init !== 'function' || typeof inner.update !== 'function') {
    throw new L2oError('INVALID_OPTION', 'mapState.inner: must be an Optimizer (with init and update)');
  }
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof options.toInner !== 'function' ||
    typeof options.toOuter !== 'function'
  ) {
    throw new L2oError('INVALID_OPTION', 'mapState: options must be { toInner(state), toOuter(state) } (functions)');
  }
  const { toInner, toOuter, validate } = options;
  const out: Optimizer<Outer> = {
    name: options.name ?? inner.name,
    init: (params: TensorMap, context?: InitContext): Outer => toOuter(inner.init(params, context)),
    update(grads: TensorMap, state: Outer, params: TensorMap) {
      validate?.(grads, state, params);
      const step = inner.update(grads, toInner(state), params);
      return { updates: step.updates, state: toOuter(step.state) };
    },
  };
  return options.config ? { ...out, config: options.config } : out;
}
