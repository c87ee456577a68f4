import { describe, expect, it } from 'vitest';
import { exponentialDecaySchedule } from './exponential-decay.js';

describe('exponentialDecaySchedule', () => {
  it('multiplies by r every S steps, continuously or in whole steps', () => {
    const smooth = exponentialDecaySchedule({ initialValue: 8, decayRate: 0.5, decaySteps: 2 });
    expect([0, 2, 4, 6].map(smooth)).toEqual([8, 4, 2, 1]);
    expect(smooth(3)).toBeCloseTo(8 * 0.5 ** 1.5, 12);
    const stairs = exponentialDecaySchedule({ initialValue: 8, decayRate: 0.5, decaySteps: 2, staircase: true });
    expect([0, 1, 2, 3, 4, 5].map(stairs)).toEqual([8, 8, 4, 4, 2, 2]);
    expect(stairs.config).toEqual({
      name: 'exponentialDecaySchedule',
      initialValue: 8,
      decayRate: 0.5,
      decaySteps: 2,
      staircase: true,
    });
  });

  it('rejects bad fields by name', () => {
    expect(() => exponentialDecaySchedule({ initialValue: 1, decayRate: 0, decaySteps: 1 })).toThrow(
      /exponentialDecaySchedule: decayRate must be a finite number > 0; got 0/,
    );
    expect(() =>
      exponentialDecaySchedule({ initialValue: 1, decayRate: 0.5, decaySteps: 1, staircase: 'yes' as never }),
    ).toThrow(/exponentialDecaySchedule: staircase must be true or false/);
  });
});
