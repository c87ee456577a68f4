import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import {
  conditionedQuadraticFamily,
  conditionedSpectrum,
  kroneckerFactors,
  type ConditionedQuadraticProblem,
} from './conditioned-quadratic-family.js';
import { haarOrthogonal } from './haar-orthogonal.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** Eigenvalues of a symmetric n × n matrix (row-major, float64) by cyclic Jacobi rotations. */
function jacobiEigenvalues(m: Float64Array, n: number): number[] {
  const a = Float64Array.from(m);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-26) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]!).sort((x, y) => x - y);
}

/** The Hessian A = (Q₁ ⊗ Q₂) Λ (Q₁ ⊗ Q₂)ᵀ of function b, built in float64 from the problem's factors. */
function hessian(task: ConditionedQuadraticProblem, b: number): Float64Array {
  const [d1, d2] = task.factors;
  const d = d1 * d2;
  const q1t = task.q1t!.arraySync()[b]!;
  const q2 = task.q2!.arraySync()[b]!;
  const lam = task.lambda.arraySync()[b]!;
  // Column (i, j) of Q: entry (k, l) = Q₁[k, i] · Q₂[l, j] = q1t[i][k] · q2[l][j].
  const q = new Float64Array(d * d);
  for (let k = 0; k < d1; k++)
    for (let l = 0; l < d2; l++)
      for (let i = 0; i < d1; i++)
        for (let j = 0; j < d2; j++) q[(k * d2 + l) * d + i * d2 + j] = q1t[i]![k]! * q2[l]![j]!;
  const a = new Float64Array(d * d);
  for (let r = 0; r < d; r++)
    for (let c = 0; c < d; c++) {
      let s = 0;
      for (let e = 0; e < d; e++) s += q[r * d + e]! * lam[Math.floor(e / d2)]![e % d2]! * q[c * d + e]!;
      a[r * d + c] = s;
    }
  return a;
}

describe('haarOrthogonal', () => {
  it('is orthogonal, and uniform: E[Q₀₀] = 0, E[Q₀₀²] = 1/n (the sign fix matters)', () => {
    const rng = Rng.seeded(1);
    const n = 5;
    const q = haarOrthogonal(n, rng);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[k * n + i]! * q[k * n + j]!;
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-12);
      }
    const N = 4000;
    let m1 = 0;
    let m2 = 0;
    let corner = 0;
    for (let t = 0; t < N; t++) {
      const s = haarOrthogonal(n, rng);
      m1 += s[0]!;
      m2 += s[0]! ** 2;
      corner += s[n * n - 1]!;
    }
    // Std of the mean of Q₀₀ is √(1/n / N) ≈ 0.007: allow 4σ.
    expect(Math.abs(m1 / N)).toBeLessThan(4 * Math.sqrt(1 / n / N));
    expect(Math.abs(corner / N)).toBeLessThan(4 * Math.sqrt(1 / n / N));
    expect(m2 / N).toBeGreaterThan(0.9 / n);
    expect(m2 / N).toBeLessThan(1.1 / n);
  });
});

describe('conditionedQuadraticFamily', () => {
  it('factors d = d₁·d₂ near √d and spaces the spectrum from 1 to 1/κ', () => {
    expect(kroneckerFactors(1000)).toEqual([25, 40]);
    expect(kroneckerFactors(100)).toEqual([10, 10]);
    expect(kroneckerFactors(13)).toEqual([1, 13]);
    const s = conditionedSpectrum(5, 1e4);
    [1, 0.1, 0.01, 0.001, 0.0001].forEach((v, i) => expect(s[i]).toBeCloseTo(v, 12));
  });

  it('has exactly the chosen spectrum (κ = 1e3, d = 6): Jacobi eigenvalues of the Hessian it implies', () => {
    const task = conditionedQuadraticFamily({ dim: 6, condition: 1e3, functions: 2 }).sample(Rng.seeded(3));
    expect(task.factors).toEqual([2, 3]);
    const want = Array.from(conditionedSpectrum(6, 1e3)).sort((x, y) => x - y);
    for (const b of [0, 1]) {
      const a = hessian(task, b);
      const got = jacobiEigenvalues(a, 6);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      expect(got[5]! / got[0]!).toBeCloseTo(1e3, 0);
      // Dense eigenvectors: the Hessian is not diagonal.
      let off = 0;
      for (let r = 0; r < 6; r++) for (let c = 0; c < 6; c++) if (r !== c) off += Math.abs(a[r * 6 + c]!);
      expect(off).toBeGreaterThan(0.05);
    }
    task.dispose();
  });

  it('loss ½(θ−θ*)ᵀA(θ−θ*) (mean over functions) and gradient A(θ−θ*)/B match the closed form', () => {
    const task = conditionedQuadraticFamily({ dim: 6, condition: 50, functions: 2 }).sample(Rng.seeded(4));
    const params = task.init(Rng.seeded(5));
    const th = params['theta']!.arraySync() as number[][];
    const star = task.thetaStar.arraySync();
    let f = 0;
    const grad: number[][] = [];
    for (let b = 0; b < 2; b++) {
      const a = hessian(task, b);
      const d = th[b]!.map((v, i) => v - star[b]![i]!);
      const ad = d.map((_, r) => d.reduce((s, dc, c) => s + a[r * 6 + c]! * dc, 0));
      f += d.reduce((s, v, i) => s + v * ad[i]!, 0) / 2 / 2;
      grad.push(ad.map((v) => v / 2));
    }
    const { loss, grads } = lossAndGrad(task, params, null);
    expect(loss.dataSync()[0]).toBeCloseTo(f, 4);
    const g = grads['theta']!.arraySync() as number[][];
    g.flat().forEach((v, i) => expect(v).toBeCloseTo(grad.flat()[i]!, 4));
    expect(Math.max(...grad.flat().map(Math.abs))).toBeGreaterThan(0.01);
    tf.dispose([loss, grads, params]);
    task.dispose();
  });

  it('gradient descent at step 1 (< 2/λ_max) converges along the top eigenvalue, and 2.2 diverges', () => {
    const task = conditionedQuadraticFamily({ dim: 20, condition: 10 }).sample(Rng.seeded(6));
    const run = (lr: number): number => {
      let p = task.init(Rng.seeded(7));
      for (let t = 0; t < 60; t++) {
        const { loss, grads } = lossAndGrad(task, p, null);
        const next = { theta: tf.tidy(() => tf.sub(p['theta']!, tf.mul(grads['theta']!, lr))) };
        tf.dispose([loss, grads, p]);
        p = next;
      }
      const v = tf.tidy(() => task.loss(p).dataSync()[0]!);
      tf.dispose(p);
      return v;
    };
    const start = tf.tidy(() => {
      const p = task.init(Rng.seeded(7));
      return task.loss(p).dataSync()[0]!;
    });
    expect(run(1)).toBeLessThan(1e-3 * start);
    expect(run(2.2)).toBeGreaterThan(start);
    task.dispose();
  });

  it('d = 1,000 at κ = 1e4 samples quickly, is reproducible from its Rng and leaks nothing', () => {
    const fam = conditionedQuadraticFamily({ dim: 1000, condition: 1e4 });
    expect(fam.name).toBe('quadratic-cond10000-1000d');
    const t0 = performance.now();
    const a = fam.sample(Rng.seeded(8));
    const ms = performance.now() - t0;
    console.log(`conditioned quadratic d = 1000: sample ${ms.toFixed(0)} ms`);
    const b = fam.sample(Rng.seeded(8));
    const c = fam.sample(Rng.seeded(9));
    expect(Array.from(a.q2!.dataSync())).toEqual(Array.from(b.q2!.dataSync()));
    expect(Array.from(a.thetaStar.dataSync())).toEqual(Array.from(b.thetaStar.dataSync()));
    expect(Array.from(a.thetaStar.dataSync())).not.toEqual(Array.from(c.thetaStar.dataSync()));
    const lam = a.lambda.dataSync();
    expect(Math.max(...lam) / Math.min(...lam)).toBeCloseTo(1e4, -1);
    const p = a.init(Rng.seeded(10));
    expect(p['theta']!.shape).toEqual([1, 1000]);
    expect(a.sampleBatch()).toBeNull();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { loss, grads } = lossAndGrad(a, p, null);
      tf.dispose([loss, grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    const held = tf.memory().numTensors;
    for (const t of [a, b, c]) t.dispose();
    expect(tf.memory().numTensors).toBe(held - 3 * 4);
    tf.dispose(p);
  });

  it('rotate: false gives a diagonal Hessian; bad options are refused naming the field', () => {
    const task = conditionedQuadraticFamily({ dim: 4, condition: 8, rotate: false }).sample(Rng.seeded(1));
    expect(task.q1t).toBeUndefined();
    const p = { theta: tf.tensor2d([[1, 0, 0, 0]]) };
    const star = task.thetaStar.arraySync()[0]!;
    const lam = task.lambda.dataSync();
    const want =
      0.5 *
      (lam[0]! * (1 - star[0]!) ** 2 + lam[1]! * star[1]! ** 2 + lam[2]! * star[2]! ** 2 + lam[3]! * star[3]! ** 2);
    expect(tf.tidy(() => task.loss(p).dataSync()[0]!)).toBeCloseTo(want, 5);
    tf.dispose(p);
    task.dispose();
    expect(() => conditionedQuadraticFamily({ dim: 0 })).toThrow(/conditionedQuadratic\.dim/);
    expect(() => conditionedQuadraticFamily({ condition: 0.5 })).toThrow(
      /conditionedQuadratic\.condition: must be a finite number ≥ 1/,
    );
    expect(() => conditionedQuadraticFamily({ functions: 0 })).toThrow(/conditionedQuadratic\.functions/);
    expect(() => conditionedQuadraticFamily({ rotate: 1 as unknown as boolean })).toThrow(
      /conditionedQuadratic\.rotate/,
    );
    expect(() => conditionedQuadraticFamily({ initStd: -1 })).toThrow(/conditionedQuadratic\.initStd/);
    expect(() => conditionedQuadraticFamily({ dims: 3 } as never)).toThrow(/unknown option "dims"/);
    const t = conditionedQuadraticFamily({ dim: 4 }).sample(Rng.seeded(1));
    expect(() => t.loss({})).toThrow(/params must hold "theta"/);
    t.dispose();
  });
});
