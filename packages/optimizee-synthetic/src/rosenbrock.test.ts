import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import { rosenbrockFamily } from './rosenbrock.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const f64 = (x: number[]): number => {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1]! - x[i]! ** 2) ** 2 + (1 - x[i]!) ** 2;
  return s;
};
const grad64 = (x: number[]): number[] =>
  x.map((xi, i) => {
    let g = 0;
    if (i + 1 < x.length) g += -400 * xi * (x[i + 1]! - xi * xi) - 2 * (1 - xi);
    if (i > 0) g += 200 * (xi - x[i - 1]! ** 2);
    return g;
  });

describe('rosenbrockFamily', () => {
  it('is 0 at (1, …, 1) and has the textbook values elsewhere', () => {
    const task = rosenbrockFamily({ dim: 4 }).sample(Rng.seeded(1));
    const at = (x: number[]): number => tf.tidy(() => task.loss({ theta: tf.tensor2d([x]) }).dataSync()[0]!);
    expect(at([1, 1, 1, 1])).toBe(0);
    expect(at([0, 0, 0, 0])).toBeCloseTo(3, 5); // three (1 − 0)² terms
    expect(at([-1.2, 1, -1.2, 1])).toBeCloseTo(f64([-1.2, 1, -1.2, 1]), 2);
  });

  it('loss and gradient equal the float64 closed form (itself checked by central differences), mean over copies', () => {
    const task = rosenbrockFamily({ dim: 5, functions: 3 }).sample(Rng.seeded(1));
    const p = task.init(Rng.seeded(2));
    const x = p['theta']!.arraySync() as number[][];
    const { loss, grads } = lossAndGrad(task, p, null);
    expect(loss.dataSync()[0]! / (x.reduce((s, r) => s + f64(r), 0) / 3)).toBeCloseTo(1, 5);
    const g = grads['theta']!.arraySync() as number[][];
    x.forEach((row, b) => {
      const want = grad64(row).map((v) => v / 3);
      want.forEach((w, i) => expect(Math.abs(g[b]![i]! - w)).toBeLessThan(1e-4 * Math.abs(w) + 1e-3));
      row.forEach((_, i) => {
        const h = 1e-6;
        const up = [...row];
        const down = [...row];
        up[i] = up[i]! + h;
        down[i] = down[i]! - h;
        expect((f64(up) - f64(down)) / (2 * h)).toBeCloseTo(grad64(row)[i]!, 3);
      });
    });
    tf.dispose([p, loss, grads]);
  });

  it('names and defaults: rosenbrock-10d, starts uniform in [−2, 2]', () => {
    const fam = rosenbrockFamily();
    expect(fam.name).toBe('rosenbrock-10d');
    expect(fam.options).toEqual({ dim: 10, functions: 1, initRange: [-2, 2] });
    expect(() => rosenbrockFamily({ dim: 1 })).toThrow(/rosenbrock\.dim: must be an integer ≥ 2, got 1/);
  });
});
