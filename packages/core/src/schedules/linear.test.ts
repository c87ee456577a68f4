import { describe, expect, it } from 'vitest';
import { linearSchedule } from './linear.js';

describe('linearSchedule', () => {
  it('interpolates from the initial to the final value over T steps, then stays', () => {
    const s = linearSchedule({ initialValue: 2, finalValue: 0, steps: 4 });
    expect([0, 1, 2, 3, 4, 5, 100].map(s)).toEqual([2, 1.5, 1, 0.5, 0, 0, 0]);
    const up = linearSchedule({ initialValue: 0, finalValue: 1, steps: 8 });
    expect(up(2)).toBe(0.25);
    expect(up.config).toEqual({ name: 'linearSchedule', initialValue: 0, finalValue: 1, steps: 8 });
  });

  it('rejects bad fields by name', () => {
    expect(() => linearSchedule({ initialValue: 0, finalValue: 1, steps: 0 })).toThrow(
      /linearSchedule: steps must be an integer ≥ 1; got 0/,
    );
    expect(() => linearSchedule({ initialValue: 0, finalValue: Number.NaN, steps: 3 })).toThrow(
      /linearSchedule: finalValue must be a finite number; got NaN/,
    );
  });
});
