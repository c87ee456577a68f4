import { describe, expect, it } from 'vitest';
import { linearLossWeights } from './train.js';

describe('linearLossWeights', () => {
  it("grows linearly from 2/(T+1) to 2T/(T+1) and sums to T (the uniform weights' total)", () => {
    for (const T of [1, 7, 200]) {
      const w = linearLossWeights(T);
      expect(w).toHaveLength(T);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(T, 9);
      expect(w[0]).toBeCloseTo(2 / (T + 1), 12);
      expect(w[T - 1]).toBeCloseTo((2 * T) / (T + 1), 12);
      for (let i = 1; i < T; i++) expect(w[i]! - w[i - 1]!).toBeCloseTo(2 / (T + 1), 12);
    }
  });
});
