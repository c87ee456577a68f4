import { describe, expect, it } from 'vitest';
import { checkObjective, lossWeight, surrogateWeights, transformLoss, truncationWeights } from './meta-objective.js';

describe('meta-objective', () => {
  it("'linear' weights grow as 2t/(T+1) and sum to T, like 'uniform'", () => {
    for (const T of [1, 7, 200]) {
      const w = truncationWeights('linear', 0, T, T);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(T, 9);
      expect(w[0]).toBe(2 / (T + 1));
      expect(w[T - 1]).toBe((2 * T) / (T + 1));
      expect(truncationWeights('uniform', 0, T, T)).toEqual(new Array<number>(T).fill(1));
    }
    // A truncation takes its steps' share: t = 6…10 of T = 20.
    expect(truncationWeights('linear', 5, 5, 20)).toEqual([6, 7, 8, 9, 10].map((t) => lossWeight('linear', t, 20)));
    expect(truncationWeights([1, 2, 3, 4, 5, 6], 2, 3, 6)).toEqual([3, 4, 5]);
  });

  it('transforms a loss and linearises the transform for the surrogate (d τ(f) = τ′(f) df)', () => {
    expect(transformLoss('none', 3, 6)).toBe(3);
    expect(transformLoss('relative', 3, 6)).toBe(0.5);
    expect(transformLoss('log', 3, 6)).toBe(Math.log(3));
    const w = [1, 2];
    const f = [4, 8];
    expect(surrogateWeights('none', w, f, 2)).toBe(w);
    expect(surrogateWeights('relative', w, f, 2)).toEqual([0.5, 1]);
    expect(surrogateWeights('log', w, f, 2)).toEqual([0.25, 0.25]);
    // τ′ by central differences of τ.
    for (const tr of ['relative', 'log'] as const) {
      const h = 1e-6;
      const fd = (transformLoss(tr, 5 + h, 2) - transformLoss(tr, 5 - h, 2)) / (2 * h);
      expect(fd).toBeCloseTo(surrogateWeights(tr, [1], [5], 2)[0]!, 6);
    }
  });

  it('names bad rules and transforms with the allowed values', () => {
    expect(() => checkObjective('square', 'none')).toThrow(
      /lossWeights: unknown rule "square"; allowed values: uniform, linear/,
    );
    expect(() => checkObjective(3, 'none')).toThrow(/lossWeights: must be uniform, linear or an array/);
    expect(() => checkObjective('uniform', 'exp')).toThrow(
      /lossTransform: unknown "exp"; allowed values: none, relative, log/,
    );
  });
});
