import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, Rng } from '@l2o/core';
import {
  denseMemoryInit,
  denseMemoryRead,
  denseMemoryWrite,
  lowRankMemoryInit,
  lowRankMemoryRead,
  lowRankMemoryToDense,
  lowRankMemoryWrite,
  type DenseMemory,
  type LowRankMemory,
} from './memory.js';

beforeAll(async () => {
  await initEngine('wasm');
});

type Mat = number[][];
const matVec = (m: Mat, v: number[]): number[] => m.map((row) => row.reduce((s, x, j) => s + x * v[j]!, 0));
const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const col = (vs: number[][]): tf.Tensor2D =>
  tf.tensor2d(
    vs[0]!.map((_, i) => vs.map((v) => v[i]!)),
    [vs[0]!.length, vs.length],
  );
/** Values of a tensor made by `f`, disposing it. */
const values = (f: () => tf.Tensor2D): Mat => {
  const t = f();
  const v = t.arraySync();
  t.dispose();
  return v;
};
const maxAbsDiff = (a: Mat, b: Mat): number =>
  Math.max(...a.flatMap((r, i) => r.map((x, j) => Math.abs(x - b[i]![j]!))));

/** The textbook inverse-Hessian BFGS update in float64: H⁺ = (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ. */
function bfgsReference(h: Mat, s: number[], y: number[]): Mat {
  const n = s.length;
  const rho = 1 / dot(y, s);
  const left = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => (i === j ? 1 : 0) - rho * s[i]! * y[j]!),
  );
  const mul = (a: Mat, b: Mat): Mat =>
    a.map((row) => b[0]!.map((_, j) => row.reduce((acc, x, k) => acc + x * b[k]![j]!, 0)));
  const right = left[0]!.map((_, i) => left.map((row) => row[i]!)); // (I − ρ s yᵀ)ᵀ = I − ρ y sᵀ
  const out = mul(mul(left, h), right);
  return out.map((row, i) => row.map((x, j) => x + rho * s[i]! * s[j]!));
}

/**
 * A quadratic f(x) = ½ xᵀQx − cᵀx (Q SPD, n = 6) minimised by BFGS with exact line search in float64; its s_k, y_k
 * drive both the reference H and the memory. The "controller" (this test) uses one read head — Hy = read(M, y) —
 * and three write heads per iteration, in float32 tfjs:
 *   a₁ = −ρ s, b₁ = Hy;   a₂ = −ρ Hy, b₂ = s;   a₃ = (ρ² yᵀHy + ρ) s, b₃ = s,   ρ = 1 / yᵀs,
 * whose outer products sum to H⁺ − H. (yᵀs and yᵀHy are the global sums two GACs would provide.)
 */
describe('memory heads reproduce BFGS', () => {
  const n = 6;
  const rng = Rng.seeded(12);
  const b0 = Array.from({ length: n }, () => Array.from(rng.normalArray(n)));
  const q: Mat = b0.map((_, i) =>
    b0.map(
      (_, j) =>
        dot(
          b0.map((r) => r[i]!),
          b0.map((r) => r[j]!),
        ) + (i === j ? 0.5 : 0),
    ),
  );
  const c = Array.from(rng.normalArray(n));
  const grad = (x: number[]): number[] => matVec(q, x).map((v, i) => v - c[i]!);

  function run(form: 'dense' | 'low-rank'): { maxErr: number; maxH: number; final: Mat; qInvErr: number } {
    const iters = n; // exact line search: H_n = Q⁻¹ in exact arithmetic
    let h: Mat = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
    let mem: DenseMemory | LowRankMemory = form === 'dense' ? denseMemoryInit(n, 1) : lowRankMemoryInit(n, 3 * iters);
    const read = (m: DenseMemory | LowRankMemory, r: tf.Tensor2D): tf.Tensor2D =>
      form === 'dense' ? denseMemoryRead(m as DenseMemory, r) : lowRankMemoryRead(m as LowRankMemory, r, 1);
    const asDense = (m: DenseMemory | LowRankMemory): Mat =>
      form === 'dense' ? (m as DenseMemory).m.arraySync() : values(() => lowRankMemoryToDense(m as LowRankMemory, 1));
    let x = Array.from(rng.normalArray(n));
    let g = grad(x);
    let maxErr = 0;
    for (let k = 0; k < iters; k++) {
      const d = matVec(h, g).map((v) => -v);
      const alpha = -dot(g, d) / dot(d, matVec(q, d));
      const s = d.map((v) => alpha * v);
      x = x.map((v, i) => v + s[i]!);
      const gNext = grad(x);
      const y = gNext.map((v, i) => v - g[i]!);
      // the memory side: one read, three writes
      const yT = col([y]);
      const hyT = read(mem, yT);
      const hy = Array.from(hyT.dataSync()) as number[];
      const rho = 1 / dot(y, s);
      const yhy = dot(y, hy);
      const a = col([s.map((v) => -rho * v), hy.map((v) => -rho * v), s.map((v) => (rho * rho * yhy + rho) * v)]);
      const b = col([hy, s, s]);
      const next: DenseMemory | LowRankMemory =
        form === 'dense' ? denseMemoryWrite(mem as DenseMemory, a, b) : lowRankMemoryWrite(mem as LowRankMemory, a, b);
      tf.dispose([yT, hyT, a, b, mem]);
      mem = next;
      h = bfgsReference(h, s, y);
      maxErr = Math.max(maxErr, maxAbsDiff(asDense(mem), h) / Math.max(...h.flat().map(Math.abs)));
      g = gNext;
    }
    const final = asDense(mem);
    tf.dispose(mem);
    const qInvCheck = final.map((_, i) =>
      matVec(
        q,
        final.map((r) => r[i]!),
      ),
    ); // Q · H column by column
    const qInvErr = Math.max(...qInvCheck.flatMap((r, i) => r.map((v, j) => Math.abs(v - (i === j ? 1 : 0)))));
    return { maxErr, maxH: Math.max(...h.flat().map(Math.abs)), final, qInvErr };
  }

  it('dense memory: H after every iteration equals float64 BFGS to float32 precision, and H_n = Q⁻¹', () => {
    const before = tf.memory().numTensors;
    const { maxErr, qInvErr } = run('dense');
    console.log(
      `BFGS through the dense memory: max relative error of H ${maxErr.toExponential(2)}, max |QH − I| ${qInvErr.toExponential(2)}`,
    );
    expect(maxErr).toBeLessThan(5e-6); // relative to max|H|; float32 rounding of the writes and reads
    expect(qInvErr).toBeLessThan(1e-3); // quadratic termination of BFGS with exact line search, seen through the memory
    expect(tf.memory().numTensors).toBe(before);
  });

  it('low-rank memory (window ≥ all pairs) gives the same H', () => {
    const dense = run('dense');
    const low = run('low-rank');
    expect(low.maxErr).toBeLessThan(5e-6);
    expect(maxAbsDiff(low.final, dense.final) / dense.maxH).toBeLessThan(2e-5);
  });
});

describe('low-rank memory', () => {
  it('reads equal the dense form built from the same writes while the window holds them all; then keeps the last K pairs', () => {
    const n = 40;
    const m0 = 0.7;
    const K = 12;
    const rng = Rng.seeded(3);
    let dense = denseMemoryInit(n, m0);
    let low = lowRankMemoryInit(n, K);
    let windowDense = denseMemoryInit(n, m0); // rebuilt from the pairs the window should hold
    const pairs: [number[], number[]][] = [];
    const before = tf.memory().numTensors;
    for (let step = 0; step < 8; step++) {
      const W = 3;
      const av = Array.from({ length: W }, () => Array.from(rng.normalArray(n)));
      const bv = Array.from({ length: W }, () => Array.from(rng.normalArray(n)));
      av.forEach((a, i) => pairs.push([a, bv[i]!]));
      const a = col(av);
      const b = col(bv);
      const nd = denseMemoryWrite(dense, a, b);
      const nl = lowRankMemoryWrite(low, a, b);
      expect(nl.a.shape).toEqual([K, n]);
      tf.dispose([a, b, dense, low]);
      dense = nd;
      low = nl;
      const keys = tf.tensor2d(rng.normalArray(n * 2), [n, 2]);
      const key1 = tf.tensor2d(rng.normalArray(n), [n, 1]);
      const lr = values(() => lowRankMemoryRead(low, keys, m0));
      const lr1 = values(() => lowRankMemoryRead(low, key1, m0));
      const reference = pairs.length <= K ? dense : windowDense;
      if (pairs.length > K) {
        windowDense.m.dispose();
        windowDense = denseMemoryInit(n, m0);
        for (const [pa, pb] of pairs.slice(-K)) {
          const t = tf.tidy(() => denseMemoryWrite(windowDense, col([pa]), col([pb])));
          windowDense.m.dispose();
          windowDense = t;
        }
      }
      const dr = values(() => denseMemoryRead(pairs.length <= K ? reference : windowDense, keys));
      const dr1 = values(() => denseMemoryRead(pairs.length <= K ? reference : windowDense, key1));
      const scale = Math.max(...dr.flat().map(Math.abs));
      expect(maxAbsDiff(lr, dr) / scale).toBeLessThan(1e-5);
      expect(maxAbsDiff(lr1, dr1) / scale).toBeLessThan(1e-5);
      if (pairs.length > K) {
        // the full dense memory now differs: the window forgot the oldest pairs
        const full = values(() => denseMemoryRead(dense, keys));
        expect(maxAbsDiff(lr, full) / scale).toBeGreaterThan(1e-2);
      }
      tf.dispose([keys, key1]);
    }
    tf.dispose([dense, low, windowDense]);
    expect(tf.memory().numTensors).toBe(before - 4); // the four memory tensors that existed before the loop
  });
});
