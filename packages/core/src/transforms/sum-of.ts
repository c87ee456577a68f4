import * as tf from '@tensorflow/tfjs';
import { addMaps } from '../tensor-map.js';
import type { InitContext, JsonObject, Optimizer, TensorMap } from '../types.js';
import { L2oError } from '../l2o-error.js';

/** The state of `sumOf`: each part's state under its name. */
export type SumState = { [part: string]: tf.TensorContainer };

/**
 * Optimizers side by side, their updates added: out = Σᵢ partᵢ(u). Each part sees the same gradients and
 * parameters; the state is each part's state under its name; `InitContext` is passed to every part. A residual
 * learned optimizer is `sumOf({ base, learned })`. Config `{ name: 'sumOf', parts: { … } }` when every part has
 * a config.
 */
export function sumOf(
  parts: Readonly<Record<string, Optimizer>>,
  options: { readonly name?: string } = {},
): Optimizer<SumState> {
  const where = 'sumOf';
  if (parts === null || typeof parts !== 'object' || Array.isArray(parts)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: parts must be an object of named optimizers, e.g. { base: nag, learned: lstm }`,
    );
  }
  const names = Object.keys(parts);
  if (names.length === 0) throw new L2oError('INVALID_OPTION', `${where}: parts must hold at least one optimizer`);
  for (const n of names) {
    const p = parts[n];
    if (!p || typeof p.init !== 'function' || typeof p.update !== 'function') {
      throw new L2oError('INVALID_OPTION', `${where}.parts.${n}: must be an Optimizer (with init and update)`);
    }
  }
  const list = names.map((n) => [n, parts[n]!] as const);
  const name = options.name ?? `${where}(${list.map(([n, p]) => `${n}: ${p.name}`).join(', ')})`;
  const configs = list.map(([n, p]) => [n, p.config] as const);
  const out: Optimizer<SumState> = {
    name,
    init(params: TensorMap, context?: InitContext): SumState {
      const state: SumState = {};
      for (const [n, p] of list) state[n] = p.init(params, context);
      return state;
    },
    update(grads: TensorMap, state: SumState, params: TensorMap) {
      if (state === null || typeof state !== 'object' || names.some((n) => !(n in state))) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `${name}.update: state must be { ${names.join(', ')} } (the state of ${name})`,
        );
      }
      // tidy frees each part's update tensors; the states and the sum are returned (kept).
      return tf.tidy(() => {
        const next: SumState = {};
        let total: TensorMap | undefined;
        for (const [n, p] of list) {
          const step = p.update(grads, state[n]!, params);
          next[n] = step.state;
          total = total === undefined ? step.updates : addMaps(total, step.updates);
        }
        // One part: its updates are returned as they are (they are its own new tensors).
        return { updates: total!, state: next };
      });
    },
  };
  if (configs.some(([, c]) => c === undefined)) return out;
  const described: JsonObject = {};
  for (const [n, c] of configs) described[n] = c!;
  return { ...out, config: { name: where, parts: described } };
}
