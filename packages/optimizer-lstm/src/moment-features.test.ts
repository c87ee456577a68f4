import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initEngine, Rng } from '@l2o/core';
import { MOMENT_DECAYS, momentInputs, momentZeroStats, writeMomentInputs } from './moment-features.js';
import { preprocessGradients } from './preprocessing.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const P = 10;

function tensorStep(g: Float32Array, stats: tf.Tensor2D): { input: Float32Array; stats: tf.Tensor2D } {
  return tf.tidy(() => {
    const gt = tf.tensor1d(g);
    const r = momentInputs(gt, stats, preprocessGradients(gt, { preprocessing: 'log-sign', p: P }));
    return { input: r.input.dataSync() as Float32Array, stats: tf.keep(r.stats) };
  });
}

describe("'log-sign-moments' inputs", () => {
  it('at t = 1 the three ratios are sign(g) (bias-corrected moments of one gradient); zero gradients give zeros', () => {
    const g = Float32Array.of(3e-7, -2.5, 0.04, 0, -1e-9);
    const x = new Float32Array(5 * g.length);
    const stats = new Float32Array(4 * g.length);
    writeMomentInputs(g, stats, x, 0, P);
    g.forEach((v, r) => {
      for (let j = 2; j < 5; j++) expect(x[5 * r + j]).toBeCloseTo(Math.sign(v), 5);
      expect(stats[4 * r + 3]).toBe(1);
    });
    expect(x[5 * 1]).toBeCloseTo(Math.log(2.5) / P, 6); // the paper's log/sign pair in columns 0, 1
    expect(x[5 * 1 + 1]).toBe(-1);
    expect(x[5 * 3]).toBe(-1);
    expect(x[5 * 3 + 1]).toBe(0);
  });

  it('a constant gradient keeps every ratio at sign(g) for any step; alternating signs drive the fast momentum to 0', () => {
    const stats = new Float32Array(8);
    const x = new Float32Array(10);
    for (let t = 1; t <= 50; t++) writeMomentInputs(Float32Array.of(0.3, t % 2 ? 1e-3 : -1e-3), stats, x, 0, P);
    for (let j = 2; j < 5; j++) expect(x[j]).toBeCloseTo(1, 5);
    // Alternating ±a: m̂_fast → a (1 − β)/(1 + β) × (±1), |g|/s → 1.
    const bf = MOMENT_DECAYS.fast;
    expect(Math.abs(x[5 + 3]!)).toBeCloseTo((1 - bf) / (1 + bf), 2);
    expect(Math.abs(x[5 + 2]!)).toBeCloseTo(1, 3);
  });

  it('the ratios do not change when the loss is rescaled (only log|g| does)', () => {
    const rng = Rng.seeded(3);
    const seq = Array.from({ length: 12 }, () => Float32Array.from(rng.normalArray(6), (v) => v * 1e-3));
    const run = (scale: number): Float32Array => {
      const stats = new Float32Array(24);
      const x = new Float32Array(30);
      for (const g of seq)
        writeMomentInputs(
          Float32Array.from(g, (v) => v * scale),
          stats,
          x,
          0,
          P,
        );
      return x;
    };
    const a = run(1);
    const b = run(1000);
    for (let r = 0; r < 6; r++) {
      for (let j = 2; j < 5; j++) expect(b[5 * r + j]).toBeCloseTo(a[5 * r + j]!, 4);
      expect(b[5 * r]! - a[5 * r]!).toBeCloseTo(Math.log(1000) / P, 4);
    }
  });

  it('the tensor version equals the array version over a trajectory (gradients from 1e-7 to 10, exact zeros)', () => {
    const rng = Rng.seeded(5);
    const n = 37;
    const before = tf.memory().numTensors;
    let stats = momentZeroStats(n);
    const arrStats = new Float32Array(4 * n);
    const x = new Float32Array(5 * n);
    let worst = 0;
    for (let t = 0; t < 20; t++) {
      const g = Float32Array.from({ length: n }, (_, i) =>
        i === 4 ? 0 : (rng.uniform() < 0.5 ? -1 : 1) * Math.exp(-16 + 18 * rng.uniform()),
      );
      writeMomentInputs(g, arrStats, x, 0, P);
      const r = tensorStep(g, stats);
      stats.dispose();
      stats = r.stats;
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i]! - r.input[i]!));
      const s = stats.dataSync();
      for (let i = 0; i < s.length; i++)
        expect(Math.abs(s[i]! - arrStats[i]!)).toBeLessThanOrEqual(1e-5 * Math.abs(arrStats[i]!) + 1e-30);
    }
    expect(worst).toBeLessThan(1e-4);
    stats.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects statistics of the wrong size, naming both sizes', () => {
    expect(() => writeMomentInputs(new Float32Array(3), new Float32Array(8), new Float32Array(15), 0, P)).toThrow(
      /stats hold 8 values; expected 3×4/,
    );
  });
});
