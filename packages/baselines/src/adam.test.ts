import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, initEngine } from '@l2o/core';
import { describeAgainstTfjs } from './test-support.js';

describeAgainstTfjs('adam', [
  { title: 'lr 0.03, defaults', ours: () => adam({ learningRate: 0.03 }), reference: () => tf.train.adam(0.03) },
  {
    title: 'lr 0.1, beta1 0.5, beta2 0.99, epsilon 1e-4',
    ours: () => adam({ learningRate: 0.1, beta1: 0.5, beta2: 0.99, epsilon: 1e-4 }),
    reference: () => tf.train.adam(0.1, 0.5, 0.99, 1e-4),
  },
]);

describe('adam', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it("first step is −α m̂/(√v̂ + ε) with tfjs's float32 bias corrections, and the step counter advances", () => {
    const opt = adam({ learningRate: 0.1 });
    const p = { a: tf.tensor1d([0, 0, 0]) };
    const g = { a: tf.tensor1d([2, -0.5, 0]) };
    const s0 = opt.init(p);
    expect(s0.step).toBe(0);
    const step = opt.update(g, s0, p);
    const eps = tf.backend().epsilon();
    const f = Math.fround;
    // 1 − β in float32 (the moment updates) and 1 − βᵗ in float32 (the bias corrections), as tfjs forms them.
    const c1 = f(1 - f(0.9));
    const c2 = f(1 - f(0.999));
    const got = step.updates['a']!.dataSync();
    [2, -0.5, 0].forEach((x, i) => {
      const mHat = (x * f(1 - 0.9)) / c1;
      const vHat = (x * x * f(1 - 0.999)) / c2;
      const expected = (-0.1 * mHat) / (Math.sqrt(vHat) + eps);
      expect(Math.abs(got[i]! - expected)).toBeLessThanOrEqual(1e-6 * Math.abs(expected));
    });
    // Exactly −α·sign(g) would be off by ≈6e-6 relative: the float32 rounding is real and reproduced.
    expect(Math.abs(got[0]! + 0.1)).toBeGreaterThan(3e-7);
    expect(step.state.step).toBe(1);
    expect(step.state.beta1Power).toBe(f(0.9));
    expect(s0.step).toBe(0);
    tf.dispose([p, g, s0, step] as tf.TensorContainer);
  });

  it('names itself, listing non-default hyperparameters', () => {
    expect(adam({ learningRate: 0.03 }).name).toBe('adam(lr=0.03)');
    expect(adam({ learningRate: 0.001, beta2: 0.99, epsilon: 1e-8 }).name).toBe(
      'adam(lr=0.001, beta2=0.99, epsilon=1e-8)',
    );
  });

  it('rejects bad options, naming the field and the range', () => {
    expect(() => adam({ learningRate: Number.POSITIVE_INFINITY })).toThrow(
      /adam: learningRate must be a finite number > 0/,
    );
    expect(() => adam({ learningRate: 0.1, beta1: 1 })).toThrow(/adam: beta1 must be a number in \[0, 1\)/);
    expect(() => adam({ learningRate: 0.1, beta2: -0.5 })).toThrow(/adam: beta2 must be a number in \[0, 1\)/);
    expect(() => adam({ learningRate: 0.1, epsilon: -1 })).toThrow(/adam: epsilon must be a finite number > 0/);
  });

  it('rejects gradients that do not match its state', () => {
    const opt = adam({ learningRate: 0.1 });
    const p = { a: tf.zeros([2]) };
    const s = opt.init(p);
    const g = { a: tf.zeros([3]) };
    expect(() => opt.update(g, s, p)).toThrow(/adam.update: shape of "a" differs/);
    tf.dispose([p, s, g] as tf.TensorContainer);
  });
});
