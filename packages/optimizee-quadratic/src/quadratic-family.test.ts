import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import { quadraticFamily } from './quadratic-family.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('quadraticFamily', () => {
  it('computes the mean of ||W θ − y||² and its gradient 2Wᵀ(Wθ − y)/B in closed form', async () => {
    const family = quadraticFamily({ dim: 3, functions: 2 });
    const task = family.sample(Rng.seeded(1));
    const params = task.init(Rng.seeded(2));
    const W = (await task.w.array()) as number[][][];
    const Y = (await task.y.array()) as number[][][];
    const th = (await params['theta']!.array()) as number[][];
    let expected = 0;
    const expectedGrad = th.map((row) => row.map(() => 0));
    for (let b = 0; b < 2; b++) {
      const r = W[b]!.map((wr, i) => wr.reduce((s, wij, j) => s + wij * th[b]![j]!, 0) - Y[b]![i]![0]!);
      expected += r.reduce((s, v) => s + v * v, 0) / 2;
      for (let j = 0; j < 3; j++) {
        expectedGrad[b]![j] = r.reduce((s, ri, i) => s + (2 * W[b]![i]![j]! * ri) / 2, 0);
      }
    }
    const { loss, grads } = lossAndGrad(task, params, null);
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
    const g = (await grads['theta']!.array()) as number[][];
    g.flat().forEach((v, i) => expect(v).toBeCloseTo(expectedGrad.flat()[i]!, 4));
    tf.dispose([loss, grads['theta']!, params['theta']!]);
    task.dispose();
  });

  it('draws reproducible problems: same seed same W, different seeds differ; sampling options apply', () => {
    const fam = quadraticFamily({ sampling: 'uniform', functions: 4 });
    const a = fam.sample(Rng.seeded(5));
    const b = fam.sample(Rng.seeded(5));
    const c = fam.sample(Rng.seeded(6));
    const wa = a.w.dataSync();
    expect(Array.from(wa)).toEqual(Array.from(b.w.dataSync()));
    expect(Array.from(wa)).not.toEqual(Array.from(c.w.dataSync()));
    expect(Math.min(...wa)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...wa)).toBeLessThan(1);
    const th = a.init(Rng.seeded(9))['theta']!;
    expect(th.shape).toEqual([4, 10]);
    const std = Math.sqrt(tf.moments(th).variance.dataSync()[0]!);
    expect(std).toBeGreaterThan(0.005);
    expect(std).toBeLessThan(0.02);
    for (const t of [a, b, c]) t.dispose();
    th.dispose();
  });

  it('rejects bad options naming the field', () => {
    expect(() => quadraticFamily({ dim: 0 })).toThrow(/quadratic\.dim/);
    expect(() => quadraticFamily({ functions: 1.5 })).toThrow(/quadratic\.functions/);
    expect(() => quadraticFamily({ sampling: 'cauchy' as 'gaussian' })).toThrow(/allowed values: gaussian, uniform/);
  });

  it('does not leak tensors across loss evaluations', () => {
    const task = quadraticFamily().sample(Rng.seeded(3));
    const p = task.init(Rng.seeded(4));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const { loss, grads } = lossAndGrad(task, p, null);
      tf.dispose([loss, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    task.dispose();
    tf.dispose(Object.values(p));
  });
});
