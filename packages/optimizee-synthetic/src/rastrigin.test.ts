import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import { rastriginFamily } from './rastrigin.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const f64 = (x: number[]): number => 10 * x.length + x.reduce((s, v) => s + v * v - 10 * Math.cos(2 * Math.PI * v), 0);
const grad64 = (x: number[]): number[] => x.map((v) => 2 * v + 20 * Math.PI * Math.sin(2 * Math.PI * v));

describe('rastriginFamily', () => {
  it('is 0 at the origin and d·1 at the integer point (1, …, 1) of the lattice of local minima', () => {
    const task = rastriginFamily({ dim: 3 }).sample(Rng.seeded(1));
    const at = (x: number[]): number => tf.tidy(() => task.loss({ theta: tf.tensor2d([x]) }).dataSync()[0]!);
    expect(at([0, 0, 0])).toBeCloseTo(0, 4);
    expect(at([1, 1, 1])).toBeCloseTo(3, 4);
    expect(at([0.5, 0, 0])).toBeCloseTo(20.25, 4);
  });

  it('loss and gradient equal the float64 closed form (itself checked by central differences)', () => {
    const task = rastriginFamily({ dim: 6, functions: 2 }).sample(Rng.seeded(1));
    const p = task.init(Rng.seeded(2));
    const x = p['theta']!.arraySync() as number[][];
    const { loss, grads } = lossAndGrad(task, p, null);
    expect(loss.dataSync()[0]).toBeCloseTo((f64(x[0]!) + f64(x[1]!)) / 2, 3);
    const g = grads['theta']!.arraySync() as number[][];
    x.forEach((row, b) => {
      grad64(row).forEach((w, i) => expect(Math.abs(g[b]![i]! - w / 2)).toBeLessThan(1e-4 * Math.abs(w) + 1e-3));
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

  it('names and defaults: rastrigin-10d, starts uniform in [−5.12, 5.12]', () => {
    const fam = rastriginFamily();
    expect(fam.name).toBe('rastrigin-10d');
    expect(fam.options).toEqual({ dim: 10, functions: 1, initRange: [-5.12, 5.12] });
  });
});
