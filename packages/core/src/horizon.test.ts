import { describe, expect, it } from 'vitest';
import { describeHorizon, episodeHorizon, maxHorizon, resolveHorizon } from './horizon.js';
import { Rng } from './rng.js';

describe('horizons', () => {
  it('a fixed horizon is itself, must be a positive integer and a multiple of K', () => {
    const h = resolveHorizon(100, 20);
    expect(episodeHorizon(h, Rng.seeded(1), 5, 20)).toBe(100);
    expect(describeHorizon(h)).toBe(100);
    expect(resolveHorizon(undefined, 20)).toEqual({ kind: 'fixed', steps: 100 });
    expect(() => resolveHorizon(0, 5)).toThrow(/horizon: must be a positive integer/);
    expect(() => resolveHorizon(10, 3)).toThrow(/unroll: must divide horizon \(10\), got 3/);
  });

  it('draws log-uniformly in [min, max], rounded to a positive multiple of K', () => {
    const h = resolveHorizon({ min: 100, max: 2000 }, 50);
    expect(maxHorizon(h)).toBe(2000);
    expect(describeHorizon(h)).toBe('log-uniform(100..2000)');
    const draws = Array.from({ length: 4000 }, (_, i) => episodeHorizon(h, Rng.seeded(9, i), 0, 50));
    for (const t of draws) {
      expect(t % 50).toBe(0);
      expect(t).toBeGreaterThanOrEqual(100);
      expect(t).toBeLessThanOrEqual(2000);
    }
    // Log-uniform: half the draws below the geometric mean √(100·2000) ≈ 447 (rounding moves a few; 4σ ≈ 3%).
    const below = draws.filter((t) => t < Math.sqrt(100 * 2000)).length / draws.length;
    expect(Math.abs(below - 0.5)).toBeLessThan(0.04);
    // Never below K even when min is.
    expect(episodeHorizon(resolveHorizon({ min: 1, max: 3 }, 5), Rng.seeded(1), 0, 5)).toBe(5);
  });

  it('a curriculum interpolates linearly between its points and holds outside them', () => {
    const h = resolveHorizon(
      {
        curriculum: [
          [10, 20],
          [110, 220],
        ],
      },
      10,
    );
    const at = (m: number): number => episodeHorizon(h, Rng.seeded(0), m, 10);
    expect(at(0)).toBe(20);
    expect(at(10)).toBe(20);
    expect(at(60)).toBe(120);
    expect(at(61)).toBe(120); // 122 rounded to a multiple of 10
    expect(at(110)).toBe(220);
    expect(at(10_000)).toBe(220);
    expect(maxHorizon(h)).toBe(220);
    expect(describeHorizon(h)).toBe('curriculum(10:20,110:220)');
  });

  it('refuses malformed schedules, naming what is allowed', () => {
    expect(() => resolveHorizon({ min: 0, max: 5 }, 5)).toThrow(/horizon: \{ min, max \} must be positive integers/);
    expect(() => resolveHorizon({ curriculum: [] }, 5)).toThrow(/horizon\.curriculum: must be a non-empty list/);
    expect(() =>
      resolveHorizon(
        {
          curriculum: [
            [0, 5],
            [0, 10],
          ],
        },
        5,
      ),
    ).toThrow(/increasing order/);
    expect(() => resolveHorizon('long' as never, 5)).toThrow(/horizon: must be a positive integer, \{ min, max \}/);
  });
});
