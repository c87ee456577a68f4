import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '@l2o/core';
import { sgd } from './sgd.js';
import { describeAgainstTfjs } from './test-support.js';

describeAgainstTfjs('sgd', [
  { title: 'lr 0.5', ours: () => sgd({ learningRate: 0.5 }), reference: () => tf.train.sgd(0.5) },
  { title: 'lr 3', ours: () => sgd({ learningRate: 3 }), reference: () => tf.train.sgd(3) },
]);

describe('sgd', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('returns updates −α g and keeps no state', () => {
    const opt = sgd({ learningRate: 0.25 });
    const g = { a: tf.tensor1d([1, -2, 4]) };
    const p = { a: tf.tensor1d([0, 0, 0]) };
    const state = opt.init(p);
    const step = opt.update(g, state, p);
    expect(Array.from(step.updates['a']!.dataSync())).toEqual([-0.25, 0.5, -1]);
    expect(step.state).toEqual({});
    tf.dispose([g, p, step.updates]);
  });

  it('names itself after its learning rate', () => {
    expect(sgd({ learningRate: 3 }).name).toBe('sgd(lr=3)');
  });

  it('rejects a bad learning rate, naming the field and the range', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => sgd({ learningRate: bad })).toThrow(/sgd: learningRate must be a finite number > 0/);
    }
    expect(() => sgd({} as { learningRate: number })).toThrow(
      /sgd: learningRate must be a finite number > 0; got undefined/,
    );
    expect(() => sgd(undefined as unknown as { learningRate: number })).toThrow(/sgd: options/);
  });

  it('rejects gradients whose names differ from the parameters', () => {
    const opt = sgd({ learningRate: 0.1 });
    const p = { a: tf.zeros([2]) };
    const g = { b: tf.zeros([2]) };
    expect(() => opt.update(g, opt.init(p), p)).toThrow(/sgd.update: parameter names differ/);
    tf.dispose([p, g]);
  });
});
