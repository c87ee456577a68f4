import { describe, expect, it } from 'vitest';
import {
  interquartileMean,
  medianOf,
  meanStd,
  pairedComparison,
  runDiverged,
  signTestPValue,
  stepsToReach,
  trailingMean,
} from './stats.js';

describe('benchmark statistics', () => {
  it('interquartile mean drops ⌊n/4⌋ at each end (scipy trim_mean(x, 0.25))', () => {
    expect(interquartileMean([1, 2, 3, 4, 5, 6, 7, 8])).toBe(4.5); // mean of 3…6
    expect(interquartileMean([10, 1, 2, 3, 100])).toBe(5); // ⌊5/4⌋ = 1 each end: mean of 2, 3, 10
    expect(interquartileMean([1, 2, 3])).toBe(2);
    expect(interquartileMean([1, 2, 3, Number.NaN])).toBe(2.5); // NaN counts as +∞ and is trimmed
    expect(interquartileMean([1, Number.NaN, Number.NaN, Number.NaN])).toBe(Number.POSITIVE_INFINITY);
    expect(interquartileMean([])).toBeNaN();
  });

  it('median and mean/std treat non-finite values as documented', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 2, 3])).toBe(2.5);
    expect(medianOf([1, Number.NaN, 2])).toBe(2);
    expect(meanStd([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(1.25) });
    expect(meanStd([1, Number.POSITIVE_INFINITY]).mean).toBe(Number.POSITIVE_INFINITY);
    expect(meanStd([1, Number.NaN]).std).toBeNaN();
  });

  it('the sign test is the exact two-sided binomial test', () => {
    // 15 wins against 5: 2 · P(X ≤ 5), X ~ Bin(20, ½) = 2 · 21700 / 2^20.
    expect(signTestPValue(15, 5)).toBeCloseTo((2 * 21700) / 2 ** 20, 12);
    expect(signTestPValue(5, 15)).toBeCloseTo(signTestPValue(15, 5), 12);
    expect(signTestPValue(10, 10)).toBe(1);
    expect(signTestPValue(0, 0)).toBe(1);
    expect(signTestPValue(20, 0)).toBeCloseTo(2 / 2 ** 20, 15);
    // Large n stays finite and sensible.
    expect(signTestPValue(600, 400)).toBeLessThan(1e-9);
  });

  it('paired comparison counts wins, losses and ties run by run, a diverged run losing', () => {
    const a = [1, 2, 3, Number.NaN, 5];
    const b = [2, 2, 1, 4, Number.POSITIVE_INFINITY];
    const c = pairedComparison(a, b);
    expect(c).toMatchObject({ wins: 2, losses: 2, ties: 1 });
    expect(c.pValue).toBe(1);
    expect(() => pairedComparison([1], [1, 2])).toThrow(/1 runs against 2/);
  });

  it('a run diverged when a loss went non-finite or it ended above factor × its start', () => {
    expect(runDiverged(2, 19.9, false, 10)).toBe(false);
    expect(runDiverged(2, 20.1, false, 10)).toBe(true);
    expect(runDiverged(2, 0.1, true, 10)).toBe(true);
    expect(runDiverged(2, Number.NaN, false, 10)).toBe(true);
    expect(runDiverged(-1, 5, false, 3)).toBe(true); // −1 + 2·1 = 1 < 5
    expect(runDiverged(-1, 0.5, false, 3)).toBe(false);
  });

  it('trailing means and the first step reaching a target', () => {
    expect(trailingMean([4, 2, 6, 0], 2)).toEqual([4, 3, 4, 3]);
    expect(trailingMean([1, 2], 1)).toEqual([1, 2]);
    expect(() => trailingMean([1], 0)).toThrow(/window/);
    expect(stepsToReach([5, 4, 3, 2], [0, 10, 20, 30], 3)).toBe(20);
    expect(stepsToReach([5, Number.NaN, 1], [0, 1, 2], 2)).toBe(2);
    expect(stepsToReach([5, 4], [0, 1], 1)).toBeNull();
    expect(stepsToReach([5, 4], [0, 1], Number.NaN)).toBeNull();
  });
});
