import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import { rastriginFamily } from './rastrigin.js';
import { rosenbrockFamily } from './rosenbrock.js';
import { styblinskiTangFamily } from './styblinski-tang.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const families = [rosenbrockFamily, rastriginFamily, styblinskiTangFamily] as const;

describe('test-function families', () => {
  for (const make of families) {
    const fam = make({ dim: 7, functions: 2, initRange: [-1, 3] });
    it(`${fam.name}: random starts are reproducible from the Rng, uniform in initRange, and the batch is null`, () => {
      const task = fam.sample(Rng.seeded(1));
      const a = task.init(Rng.seeded(2))['theta']!;
      const b = task.init(Rng.seeded(2))['theta']!;
      const c = task.init(Rng.seeded(3))['theta']!;
      expect(a.shape).toEqual([2, 7]);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
      const big = make({ dim: 50, functions: 40, initRange: [-1, 3] })
        .sample(Rng.seeded(1))
        .init(Rng.seeded(4))['theta']!;
      const v = big.dataSync() as Float32Array;
      expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
      expect(Math.max(...v)).toBeLessThan(3);
      const mean = v.reduce((s, x) => s + x, 0) / v.length;
      expect(mean).toBeGreaterThan(0.9);
      expect(mean).toBeLessThan(1.1);
      expect(task.sampleBatch()).toBeNull();
      expect(task.name).toBe(fam.name);
      tf.dispose([a, b, c, big]);
    });

    it(`${fam.name}: leaks no tensor; refuses bad options and parameters naming the field`, () => {
      const task = fam.sample(Rng.seeded(1));
      const p = task.init(Rng.seeded(2));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) {
        const { loss, grads } = lossAndGrad(task, p, null);
        tf.dispose([loss, grads]);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(() => task.loss({})).toThrow(/params must hold "theta"/);
      const wrong = tf.zeros([2, 6]);
      expect(() => task.loss({ theta: wrong })).toThrow(/theta must have shape \[functions, 7\]/);
      tf.dispose([p, wrong]);
      const name = fam.name.replace(/-7d$/, '');
      expect(() => make({ functions: 0 })).toThrow(new RegExp(`${name}\\.functions`));
      expect(() => make({ initRange: [2, 1] })).toThrow(new RegExp(`${name}\\.initRange: must be \\[lo, hi\\]`));
      expect(() => make({ dim: 2.5 })).toThrow(new RegExp(`${name}\\.dim`));
      expect(() => make({ size: 3 } as never)).toThrow(/unknown option "size"/);
    });
  }
});
