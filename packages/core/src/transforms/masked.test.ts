import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { masked } from './masked.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { trace } from './trace.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

const params = { 'conv/w': [0, 0], 'fc/w': [0] };
const grads = [
  { 'conv/w': [1, 2], 'fc/w': [3] },
  { 'conv/w': [1, 0], 'fc/w': [-1] },
];

describe('masked', () => {
  it('applies the inner transform to the selected parameters only; the others pass through unchanged', () => {
    const run = runSteps(masked(trace({ decay: 0.5 }), /^conv\//), params, grads);
    // conv/w: momentum [1, 2] then [1.5, 1]; fc/w as it came.
    expect(run.updates).toEqual([
      { 'conv/w': [1, 2], 'fc/w': [3] },
      { 'conv/w': [1.5, 1], 'fc/w': [-1] },
    ]);
    // The state is the inner state of the selected parameters only.
    expect(run.states[1]).toEqual({ velocity: { 'conv/w': [1.5, 1] } });
  });

  it('hands out new tensors for the parameters it passes through', () => {
    const opt = masked(scaleByLearningRate(1), /^conv\//);
    const p = { 'conv/w': tf.zeros([1]), 'fc/w': tf.zeros([1]) };
    const step = opt.update(p, opt.init(p), p);
    expect(step.updates['fc/w']).not.toBe(p['fc/w']);
    tf.dispose(Object.values(step.updates));
    expect(p['fc/w']!.isDisposed).toBe(false);
    tf.dispose(Object.values(p));
  });

  it('a mask that selects nothing: state {} and the inner transform is never called', () => {
    let calls = 0;
    const counting = {
      ...trace({ decay: 0.5 }),
      init: () => {
        calls++;
        return { velocity: {} };
      },
    };
    const run = runSteps(masked(counting, /^nothing/), params, grads);
    expect(run.updates[0]).toEqual(grads[0]);
    expect(run.states).toEqual([{}, {}]);
    expect(calls).toBe(0);
  });

  it('records a RegExp mask and the inner config; refuses bad input by name', () => {
    expect(masked(trace({ decay: 0.9 }), /kernel/).config).toEqual({
      name: 'masked',
      pattern: 'kernel',
      flags: '',
      inner: { name: 'trace', decay: 0.9, nesterov: false },
    });
    expect(masked(trace({ decay: 0.9 }), () => true).config).toBeUndefined();
    expect(masked(trace({ decay: 0.9 }), () => true).name).toBe('masked(trace(decay=0.9), predicate)');
    expect(masked(trace({ decay: 0.9 }), /kernel/).name).toBe('masked(trace(decay=0.9), /kernel/)');
    expect(() => masked({} as never, /x/)).toThrow(/masked\.inner: must be an Optimizer/);
    expect(() => masked(trace({ decay: 0.9 }), /x/y)).toThrow(/masked\.mask: RegExp flags g and y are not allowed/);
  });
});
