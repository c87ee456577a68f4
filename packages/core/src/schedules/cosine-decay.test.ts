import { describe, expect, it } from 'vitest';
import { cosineDecaySchedule } from './cosine-decay.js';

describe('cosineDecaySchedule', () => {
  it('falls from v₀ along half a cosine to floor·v₀ at step T, then stays', () => {
    const s = cosineDecaySchedule({ initialValue: 2, decaySteps: 4, floor: 0.1 });
    expect(s(0)).toBe(2);
    expect(s(2)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5), 12); // half way: the mean of v₀ and the floor
    expect(s(1)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5 * (1 + Math.SQRT1_2)), 12);
    expect(s(3)).toBeCloseTo(2 * (0.1 + 0.9 * 0.5 * (1 - Math.SQRT1_2)), 12);
    expect(s(4)).toBeCloseTo(0.2, 12);
    expect(s(1000)).toBe(s(4));
  });

  it('decays to 0 without a floor; records its fields; rejects bad ones by name', () => {
    const s = cosineDecaySchedule({ initialValue: 1, decaySteps: 10 });
    expect(s(10)).toBeCloseTo(0, 12);
    expect(s.config).toEqual({ name: 'cosineDecaySchedule', initialValue: 1, decaySteps: 10, floor: 0 });
    expect(() => cosineDecaySchedule({ initialValue: 1, decaySteps: 2.5 })).toThrow(
      /cosineDecaySchedule: decaySteps must be an integer ≥ 1; got 2.5/,
    );
    expect(() => cosineDecaySchedule({ initialValue: 1, decaySteps: 2, floor: 1.5 })).toThrow(
      /cosineDecaySchedule: floor must be a number in \[0, 1\]; got 1.5/,
    );
    expect(() => cosineDecaySchedule(undefined as never)).toThrow(/cosineDecaySchedule: options must be an object/);
  });
});
