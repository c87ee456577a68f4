import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '@l2o/core';
import { rmsprop } from './rmsprop.js';
import { describeAgainstTfjs } from './test-support.js';

describeAgainstTfjs('rmsprop', [
  { title: 'lr 0.01, defaults', ours: () => rmsprop({ learningRate: 0.01 }), reference: () => tf.train.rmsprop(0.01) },
  {
    title: 'lr 0.003, decay 0.95, momentum 0.9, epsilon 1e-6',
    ours: () => rmsprop({ learningRate: 0.003, decay: 0.95, momentum: 0.9, epsilon: 1e-6 }),
    reference: () => tf.train.rmsprop(0.003, 0.95, 0.9, 1e-6),
  },
  {
    // tfjs subtracts ε under the root where TensorFlow adds it (see below); with ε = 1e-20 both agree bit for bit.
    title: 'centered, lr 0.01, momentum 0.5, epsilon 1e-20',
    ours: () => rmsprop({ learningRate: 0.01, momentum: 0.5, epsilon: 1e-20, centered: true }),
    reference: () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-20, true),
  },
]);

describe('rmsprop', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('first step by hand: s = (1−ρ)g², Δ = −α g / √(s + ε)', () => {
    const opt = rmsprop({ learningRate: 0.1, decay: 0.75, epsilon: 1e-8 });
    const p = { a: tf.tensor1d([0, 0]) };
    const g = { a: tf.tensor1d([2, -4]) };
    const s0 = opt.init(p);
    const step = opt.update(g, s0, p);
    const expected = [2, -4].map((x) => (-0.1 * x) / Math.sqrt(0.25 * x * x + 1e-8));
    const got = step.updates['a']!.dataSync();
    expected.forEach((e, i) => expect(got[i]).toBeCloseTo(e, 6));
    expect(Array.from(step.state.meanSquare['a']!.dataSync())).toEqual([1, 4]);
    tf.dispose([p, g, s0, step] as tf.TensorContainer);
  });

  it('centered: denominator is √(s − ḡ² + ε) and stays finite for a constant gradient', () => {
    // Constant g: s_t − ḡ_t² = (1−ρᵗ)ρᵗ g² → 0, so only ε keeps the step finite (tfjs 4.22 gives NaN here).
    const opt = rmsprop({ learningRate: 0.01, centered: true, epsilon: 1e-6 });
    const p = { a: tf.tensor1d([0]) };
    const g = { a: tf.tensor1d([1e-3]) };
    let state = opt.init(p);
    let last = 0;
    for (let t = 0; t < 300; t++) {
      const step = opt.update(g, state, p);
      last = step.updates['a']!.dataSync()[0]!;
      tf.dispose([state, step.updates] as tf.TensorContainer);
      state = step.state;
    }
    expect(Number.isFinite(last)).toBe(true);
    // By t = 300 the variance term is ≈ 0 so Δ ≈ −α g / √ε = −0.01·1e-3/1e-3.
    expect(last).toBeCloseTo(-0.01, 3);
    tf.dispose([p, g, state] as tf.TensorContainer);
  });

  it('names itself, listing non-default hyperparameters', () => {
    expect(rmsprop({ learningRate: 0.03 }).name).toBe('rmsprop(lr=0.03)');
    expect(rmsprop({ learningRate: 0.03, momentum: 0.9, centered: true }).name).toBe(
      'rmsprop(lr=0.03, momentum=0.9, centered=true)',
    );
  });

  it('rejects bad options, naming the field and the range', () => {
    expect(() => rmsprop({ learningRate: 0 })).toThrow(/rmsprop: learningRate must be a finite number > 0/);
    expect(() => rmsprop({ learningRate: 0.1, decay: 1 })).toThrow(/rmsprop: decay must be a number in \[0, 1\)/);
    expect(() => rmsprop({ learningRate: 0.1, momentum: -1 })).toThrow(
      /rmsprop: momentum must be a number in \[0, 1\)/,
    );
    expect(() => rmsprop({ learningRate: 0.1, epsilon: 0 })).toThrow(/rmsprop: epsilon must be a finite number > 0/);
    expect(() => rmsprop({ learningRate: 0.1, centered: 'yes' as unknown as boolean })).toThrow(
      /rmsprop: centered must be true or false/,
    );
  });
});
