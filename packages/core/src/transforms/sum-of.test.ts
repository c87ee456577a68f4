import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { scale } from './scale.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { sumOf } from './sum-of.js';
import { trace } from './trace.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

describe('sumOf', () => {
  it('adds the parts’ updates; each part keeps its own state under its name', () => {
    const params = { x: [0, 0] };
    const grads = [{ x: [1, -2] }, { x: [2, 2] }];
    const run = runSteps(sumOf({ sgd: scaleByLearningRate(0.5), momentum: trace({ decay: 0.5 }) }), params, grads);
    // −0.5·g + v: [−0.5 + 1, 1 − 2]; [−1 + 2.5, −1 + 1]
    expect(run.updates).toEqual([{ x: [0.5, -1] }, { x: [1.5, 0] }]);
    expect(run.states[1]).toEqual({ sgd: {}, momentum: { velocity: { x: [2.5, 1] } } });
  });

  it('one part: its updates as they are', () => {
    const run = runSteps(sumOf({ only: scale(3) }), { x: [0] }, [{ x: [2] }]);
    expect(run.updates).toEqual([{ x: [6] }]);
  });

  it('records its parts’ configs and refuses bad input by name', () => {
    expect(sumOf({ a: scale(1), b: scale(2) }).config).toEqual({
      name: 'sumOf',
      parts: { a: { name: 'scale', factor: 1 }, b: { name: 'scale', factor: 2 } },
    });
    expect(sumOf({ a: scale(1) }, { name: 'mine' }).name).toBe('mine');
    expect(() => sumOf({})).toThrow(/sumOf: parts must hold at least one optimizer/);
    expect(() => sumOf({ a: {} as never })).toThrow(/sumOf\.parts\.a: must be an Optimizer/);
    const opt = sumOf({ base: scale(1), learned: scale(2) });
    const p = { x: tf.zeros([1]) };
    expect(() => opt.update(p, { base: {} }, p)).toThrow(/state must be \{ base, learned \}/);
    tf.dispose(p);
  });
});
