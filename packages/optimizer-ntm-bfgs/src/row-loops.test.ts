import { describe, expect, it } from 'vitest';
import { addRows, dotRows } from './row-loops.js';

/** Rows with values that are not small integers, so that a wrong index or a dropped term shows. */
function rows(K: number, n: number, seed: number): Float32Array[] {
  return Array.from({ length: K }, (_, k) =>
    Float32Array.from({ length: n + 3 }, (_, q) => Math.sin(seed + 1.7 * k + 0.31 * q) * (1 + k)),
  );
}

describe('row loops of the fused low-rank memory', () => {
  for (const K of [0, 1, 3, 4, 7, 30]) {
    it(`dotRows and addRows equal the plain sums (K = ${K}, four rows per pass and the rest)`, () => {
      const n = 37;
      const xs = rows(K, n, 1);
      const y = rows(1, n, 2)[0]!;
      const dots = new Float64Array(K);
      dotRows(xs, y, n, dots);
      xs.forEach((x, k) => {
        let s = 0;
        for (let q = 0; q < n; q++) s += x[q]! * y[q]!;
        expect(dots[k]).toBeCloseTo(s, 10);
      });
      const coef = Float64Array.from({ length: K }, (_, k) => (k % 3 === 1 ? 0 : 0.5 - k));
      const acc = Float64Array.from({ length: n + 3 }, (_, q) => q);
      addRows(xs, coef, acc, n);
      for (let q = 0; q < n + 3; q++) {
        let want = q;
        if (q < n) xs.forEach((x, k) => (want += x[q]! * coef[k]!));
        expect(acc[q]).toBeCloseTo(want, 9);
      }
    });
  }
});
