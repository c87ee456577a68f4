import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import { STYBLINSKI_TANG_ARGMIN, STYBLINSKI_TANG_TERM_MIN, styblinskiTangFamily } from './styblinski-tang.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const term = (t: number): number => 0.5 * (t ** 4 - 16 * t * t + 5 * t);
const f64 = (x: number[]): number => x.reduce((s, v) => s + term(v) - STYBLINSKI_TANG_TERM_MIN, 0);
const grad64 = (x: number[]): number[] => x.map((v) => 2 * v ** 3 - 16 * v + 2.5);

describe('styblinskiTangFamily', () => {
  it('has its textbook minimum (x* ≈ −2.903534, −39.16617 per coordinate), shifted to 0', () => {
    expect(STYBLINSKI_TANG_ARGMIN).toBeCloseTo(-2.903534, 6);
    expect(STYBLINSKI_TANG_TERM_MIN).toBeCloseTo(-39.16617, 5);
    // A true minimum: the derivative vanishes and the neighbours are higher.
    expect(term(STYBLINSKI_TANG_ARGMIN + 1e-3)).toBeGreaterThan(STYBLINSKI_TANG_TERM_MIN);
    expect(term(STYBLINSKI_TANG_ARGMIN - 1e-3)).toBeGreaterThan(STYBLINSKI_TANG_TERM_MIN);
    const task = styblinskiTangFamily({ dim: 4 }).sample(Rng.seeded(1));
    const at = (x: number[]): number => tf.tidy(() => task.loss({ theta: tf.tensor2d([x]) }).dataSync()[0]!);
    expect(at(new Array(4).fill(STYBLINSKI_TANG_ARGMIN))).toBeCloseTo(0, 3);
    expect(at([0, 0, 0, 0])).toBeCloseTo(-4 * STYBLINSKI_TANG_TERM_MIN, 3);
  });

  it('loss and gradient equal the float64 closed form (itself checked by central differences)', () => {
    const task = styblinskiTangFamily({ dim: 5, functions: 2 }).sample(Rng.seeded(3));
    const p = task.init(Rng.seeded(4));
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

  it('names and defaults: styblinski-tang-10d, starts uniform in [−5, 5]', () => {
    const fam = styblinskiTangFamily();
    expect(fam.name).toBe('styblinski-tang-10d');
    expect(fam.options).toEqual({ dim: 10, functions: 1, initRange: [-5, 5] });
  });
});
