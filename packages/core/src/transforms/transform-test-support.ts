/**
 * Test-only helpers for the transforms' tests (not exported from index.ts): run an optimizer over a fixed
 * sequence of gradients, read states as plain numbers, and a probe that records the InitContext it is given.
 */
import * as tf from '@tensorflow/tfjs';
import { disposeExcept } from '../tensor-container.js';
import type { InitContext, Optimizer, TensorMap } from '../types.js';
import { L2oError } from '../l2o-error.js';

/** Plain numbers for named 1-D parameters, e.g. `{ w: [1, 2], b: [0.5] }`. */
export type Values = Readonly<Record<string, readonly number[]>>;

export function tensors(values: Values): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(values)) out[k] = tf.tensor1d([...v]);
  return out;
}

export function numbers(map: TensorMap): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(map)) out[k] = Array.from(t.dataSync());
  return out;
}

/** A state with its tensors read out as arrays (numbers, strings and nesting kept). */
export function plain(c: tf.TensorContainer): unknown {
  if (c instanceof tf.Tensor) return Array.from(c.dataSync());
  if (Array.isArray(c)) return c.map((x) => plain(x as tf.TensorContainer));
  if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) {
    return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, plain(v as tf.TensorContainer)]));
  }
  return c;
}

export interface Run {
  /** The updates of every step, as numbers. */
  readonly updates: Record<string, number[]>[];
  /** The state after every step, as plain values. */
  readonly states: unknown[];
}

/**
 * Runs `opt` from `params` (held fixed) over `grads` (one entry per step), disposing everything it creates and
 * checking that the run leaves no tensor behind.
 */
export function runSteps(opt: Optimizer, params: Values, grads: readonly Values[], context?: InitContext): Run {
  const before = tf.memory().numTensors;
  const p = tensors(params);
  let state = opt.init(p, context);
  const updates: Record<string, number[]>[] = [];
  const states: unknown[] = [];
  for (const g of grads) {
    const gt = tensors(g);
    const step = opt.update(gt, state, p);
    updates.push(numbers(step.updates));
    states.push(plain(step.state));
    tf.dispose(Object.values(step.updates));
    tf.dispose(Object.values(gt));
    disposeExcept(state, step.state);
    state = step.state;
  }
  tf.dispose(state);
  tf.dispose(Object.values(p));
  const after = tf.memory().numTensors;
  if (after !== before)
    throw new L2oError('INTERNAL', `${opt.name}: tf.memory().numTensors went from ${before} to ${after}`);
  return { updates, states };
}

/**
 * An optimizer that records the InitContext of every `init` call and returns out = 2·u with a step counter, so
 * tests can see which parameters reached it and that the context was passed on.
 */
export function probe(seen: Array<{ keys: string[]; context: InitContext | undefined }>): Optimizer<{ calls: number }> {
  return {
    name: 'probe',
    init(params, context) {
      seen.push({ keys: Object.keys(params).sort(), context });
      return { calls: 0 };
    },
    update(updates, state) {
      const out: Record<string, tf.Tensor> = {};
      for (const [k, u] of Object.entries(updates)) out[k] = tf.mul(u, 2);
      return { updates: out, state: { calls: state.calls + 1 } };
    },
  };
}
