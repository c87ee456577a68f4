import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '@l2o/core';
import { nag } from './nag.js';
import { describeAgainstTfjs } from './test-support.js';

describeAgainstTfjs('nag', [
  {
    title: 'lr 0.3, default momentum',
    ours: () => nag({ learningRate: 0.3 }),
    reference: () => tf.train.momentum(0.3, 0.9, true),
  },
  {
    title: 'lr 1, momentum 0.5',
    ours: () => nag({ learningRate: 1, momentum: 0.5 }),
    reference: () => tf.train.momentum(1, 0.5, true),
  },
]);

describe('nag', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('takes two steps by hand: v₁ = g₁, Δ₁ = −α(1+μ)g₁; v₂ = μg₁ + g₂, Δ₂ = −α(g₂ + μv₂)', () => {
    const opt = nag({ learningRate: 0.5, momentum: 0.5 });
    const p = { a: tf.tensor1d([0, 0]) };
    const s0 = opt.init(p);
    const g1 = { a: tf.tensor1d([1, -2]) };
    const step1 = opt.update(g1, s0, p);
    expect(Array.from(step1.updates['a']!.dataSync())).toEqual([-0.75, 1.5]);
    expect(Array.from(step1.state.velocity['a']!.dataSync())).toEqual([1, -2]);
    const g2 = { a: tf.tensor1d([2, 2]) };
    const step2 = opt.update(g2, step1.state, p);
    // v₂ = [2.5, 1], Δ₂ = −0.5·([2, 2] + 0.5·[2.5, 1]) = [−1.625, −1.25]
    expect(Array.from(step2.state.velocity['a']!.dataSync())).toEqual([2.5, 1]);
    expect(Array.from(step2.updates['a']!.dataSync())).toEqual([-1.625, -1.25]);
    tf.dispose([p, s0, g1, step1, g2, step2] as tf.TensorContainer);
  });

  it('names itself, showing momentum only when it is not the default', () => {
    expect(nag({ learningRate: 1 }).name).toBe('nag(lr=1)');
    expect(nag({ learningRate: 0.1, momentum: 0.95 }).name).toBe('nag(lr=0.1, momentum=0.95)');
  });

  it('rejects bad options, naming the field and the range', () => {
    expect(() => nag({ learningRate: -0.1 })).toThrow(/nag: learningRate must be a finite number > 0; got -0.1/);
    for (const bad of [1, -0.1, 2, Number.NaN]) {
      expect(() => nag({ learningRate: 0.1, momentum: bad })).toThrow(/nag: momentum must be a number in \[0, 1\)/);
    }
  });
});
