import { describe, expect, it } from 'vitest';
import { Rng } from '@l2o/core';
import { acquireMemoryKernel, type MemoryKernel, releaseMemoryKernel } from './memory-kernel.js';

/** K random rows of n entries in `mk`, and their plain copies. */
function rowsOf(mk: MemoryKernel, rng: Rng, K: number, n: number): { at: number[]; plain: Float32Array[] } {
  const at: number[] = [];
  const plain: Float32Array[] = [];
  for (let k = 0; k < K; k++) {
    const x = Float32Array.from({ length: n }, () => rng.normal() * 10 ** (k % 3));
    const p = mk.alloc(n);
    mk.f32(p, n).set(x);
    at.push(p);
    plain.push(x);
  }
  return { at, plain };
}

describe('memory kernel (wasm SIMD)', () => {
  // n: empty, shorter than one vector, a tail, a block/chunk edge ± 1, several chunks with a tail.
  const sizes = [0, 1, 5, 255, 257, 1023, 1025, 4099];
  const counts = [0, 1, 3, 4, 7, 30];

  it('dotRows equals float64 dot products (K not a multiple of 4, n with tails)', () => {
    const rng = Rng.seeded(3);
    const mk = acquireMemoryKernel();
    try {
      for (const n of sizes)
        for (const K of counts) {
          const { at, plain } = rowsOf(mk, rng, K, n);
          const y = Float32Array.from({ length: n }, () => rng.normal());
          const yAt = mk.alloc(n);
          mk.f32(yAt, n).set(y);
          const out = new Float64Array(K + 1).fill(Number.NaN);
          mk.dotRows(at, yAt, n, out);
          for (let k = 0; k < K; k++) {
            let s = 0;
            let mag = 0;
            for (let q = 0; q < n; q++) {
              s += plain[k]![q]! * y[q]!;
              mag += Math.abs(plain[k]![q]! * y[q]!);
            }
            expect(Math.abs(out[k]! - s)).toBeLessThanOrEqual(1e-6 * mag + 1e-30);
          }
          expect(out[K]).toBeNaN(); // nothing written past K
        }
    } finally {
      releaseMemoryKernel(mk);
    }
  });

  it('axpyRows equals s·base + Σ c_k x_k, skips zero coefficients, leaves entries past n alone, may write over base', () => {
    const rng = Rng.seeded(4);
    const mk = acquireMemoryKernel();
    try {
      for (const n of sizes)
        for (const K of counts)
          for (const mode of ['base', 'none', 'in-place'] as const) {
            const { at, plain } = rowsOf(mk, rng, K, n);
            const coef = Array.from({ length: K }, (_, k) => (k % 3 === 1 ? 0 : rng.normal()));
            const base = Float32Array.from({ length: n }, () => rng.normal());
            const baseAt = mk.alloc(n + 1);
            mk.f32(baseAt, n + 1).set([...base, 7]);
            const outAt = mode === 'in-place' ? baseAt : mk.alloc(n + 1);
            if (mode !== 'in-place') mk.f32(outAt, n + 1).fill(-3);
            // A row with coefficient 0 holding NaN must not reach the result.
            const nanAt = mk.alloc(n);
            mk.f32(nanAt, n).fill(Number.NaN);
            mk.axpyRows([...at, nanAt], [...coef, 0], mode === 'none' ? 0 : baseAt, 0.5, n, outAt);
            const got = mk.f32(outAt, n + 1);
            for (let q = 0; q < n; q++) {
              let want = mode === 'none' ? 0 : 0.5 * base[q]!;
              let mag = Math.abs(want);
              for (let k = 0; k < K; k++) {
                want += coef[k]! * plain[k]![q]!;
                mag += Math.abs(coef[k]! * plain[k]![q]!);
              }
              expect(Math.abs(got[q]! - want)).toBeLessThanOrEqual(1e-6 * mag + 1e-30);
            }
            expect(got[n]).toBe(mode === 'in-place' ? 7 : -3);
          }
    } finally {
      releaseMemoryKernel(mk);
    }
  });

  it('keeps what was written when an allocation grows the memory, and a released kernel starts empty', () => {
    const mk = acquireMemoryKernel();
    const first = mk.alloc(4);
    mk.f32(first, 4).set([1, 2, 3, 4]);
    const big = mk.alloc(5_000_000); // 20 MB: grows the memory
    mk.f32(big, 1)[0] = 9;
    expect(Array.from(mk.f32(first, 4))).toEqual([1, 2, 3, 4]);
    releaseMemoryKernel(mk);
    const again = acquireMemoryKernel();
    expect(again.alloc(4)).toBe(first);
    releaseMemoryKernel(again);
  });
});
