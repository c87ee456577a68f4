import { describe, expect, it } from 'vitest';
import { warmupCosineDecaySchedule } from './warmup-cosine-decay.js';

describe('warmupCosineDecaySchedule', () => {
  it('rises linearly over W steps to the peak, then falls along a cosine to floor·peak over D steps', () => {
    const s = warmupCosineDecaySchedule({ peakValue: 1, warmupSteps: 2, decaySteps: 4, floor: 0.2 });
    expect(s(0)).toBe(0);
    expect(s(1)).toBe(0.5);
    expect(s(2)).toBe(1);
    expect(s(4)).toBeCloseTo(0.2 + 0.8 * 0.5, 12);
    expect(s(6)).toBeCloseTo(0.2, 12);
    expect(s(60)).toBeCloseTo(0.2, 12);
    expect(s.config).toEqual({
      name: 'warmupCosineDecaySchedule',
      initialValue: 0,
      peakValue: 1,
      warmupSteps: 2,
      decaySteps: 4,
      floor: 0.2,
    });
  });

  it('starts from initialValue, or at the peak without warm-up', () => {
    const s = warmupCosineDecaySchedule({ initialValue: 0.5, peakValue: 1, warmupSteps: 4, decaySteps: 2 });
    expect([0, 2, 4].map(s)).toEqual([0.5, 0.75, 1]);
    const none = warmupCosineDecaySchedule({ peakValue: 3, warmupSteps: 0, decaySteps: 2 });
    expect(none(0)).toBe(3);
    expect(none(1)).toBeCloseTo(1.5, 12);
  });

  it('rejects bad fields by name', () => {
    expect(() => warmupCosineDecaySchedule({ peakValue: 1, warmupSteps: -1, decaySteps: 2 })).toThrow(
      /warmupCosineDecaySchedule: warmupSteps must be an integer ≥ 0; got -1/,
    );
    expect(() => warmupCosineDecaySchedule({ peakValue: 1, warmupSteps: 1, decaySteps: 0 })).toThrow(
      /warmupCosineDecaySchedule: decaySteps must be an integer ≥ 1/,
    );
  });
});
