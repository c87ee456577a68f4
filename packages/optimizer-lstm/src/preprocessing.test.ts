import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from '@l2o/core';
import { preprocessGradients } from './preprocessing.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** The paper's formula in float64, threshold compared in float32 like the tensor version. */
function closedForm(g: number, p: number): [number, number] {
  const thr = Math.fround(Math.exp(-p));
  const a = Math.abs(g);
  return a >= thr ? [Math.log(a) / p, Math.sign(g)] : [-1, Math.exp(p) * g];
}

describe('preprocessGradients', () => {
  for (const p of [10, 5]) {
    it(`log-sign with p = ${p} matches the closed form, including 0, tiny and negative gradients`, () => {
      const thr = Math.fround(Math.exp(-p));
      const gs = [
        0,
        -0,
        1e-30,
        -1e-30,
        1e-40,
        1e-5,
        -1e-5,
        thr,
        -thr,
        Math.fround(thr * 0.999),
        0.3,
        -1,
        3.5,
        -1e10,
        3e38,
      ];
      const g32 = Float32Array.from(gs);
      const before = tf.memory().numTensors;
      const g = tf.tensor1d(g32);
      const out = preprocessGradients(g, { preprocessing: 'log-sign', p });
      expect(out.shape).toEqual([gs.length, 2]);
      const v = out.arraySync();
      g32.forEach((gi, i) => {
        const [a, b] = closedForm(gi, p);
        expect(Number.isFinite(v[i]![0]!) && Number.isFinite(v[i]![1]!)).toBe(true);
        expect(Math.abs(v[i]![0]! - a)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(a)));
        expect(Math.abs(v[i]![1]! - b)).toBeLessThanOrEqual(1e-6);
      });
      // specific values: g = 0 → (−1, 0); below the threshold the second input is e^p g; above it the sign
      expect(v[0]).toEqual([-1, 0]);
      expect(v[6]![1]).toBeCloseTo(-1e-5 * Math.exp(p), 5);
      expect(v[11]).toEqual([0, -1]);
      // continuity at the threshold: both branches give ≈ (−1, ±1)
      expect(v[7]![0]).toBeCloseTo(-1, 5);
      expect(v[9]![0]).toBe(-1);
      expect(v[9]![1]).toBeCloseTo(0.999, 5);
      tf.dispose([g, out]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it("'none' passes the raw gradient as one column", () => {
    const g = tf.tensor1d([0, -2.5, 1e-20]);
    const out = preprocessGradients(g, { preprocessing: 'none', p: 10 });
    expect(out.shape).toEqual([3, 1]);
    expect([...out.dataSync()]).toEqual([...Float32Array.from([0, -2.5, 1e-20])]);
    tf.dispose([g, out]);
  });

  it('has finite gradients with respect to its input, even at g = 0', () => {
    const g = tf.tensor1d([0, 1e-30, -3, 2e-5]);
    const dg = tf.grad((x: tf.Tensor) =>
      tf.sum(preprocessGradients(x as tf.Tensor1D, { preprocessing: 'log-sign', p: 10 })),
    )(g);
    const d = [...dg.dataSync()];
    expect(d.every(Number.isFinite)).toBe(true);
    // below the threshold d/dg (−1 + e^p g) = e^p; above, d/dg (log|g|/p + sign g) = 1/(p g)
    expect(d[0]).toBeCloseTo(Math.exp(10), 0);
    expect(d[2]).toBeCloseTo(1 / (10 * -3), 5);
    tf.dispose([g, dg]);
  });
});
