import { describe, expect, it } from 'vitest';
import { constantSchedule } from './constant.js';
import { joinSchedules } from './join.js';
import { linearSchedule } from './linear.js';

describe('joinSchedules', () => {
  it('runs each piece from its boundary on, counting steps from there', () => {
    const s = joinSchedules({
      schedules: [
        constantSchedule(1),
        linearSchedule({ initialValue: 1, finalValue: 0, steps: 2 }),
        constantSchedule(7),
      ],
      boundaries: [3, 6],
    });
    expect([0, 2, 3, 4, 5, 6, 50].map(s)).toEqual([1, 1, 1, 0.5, 0, 7, 7]);
    expect(s.config).toEqual({
      name: 'joinSchedules',
      schedules: [
        { name: 'constantSchedule', value: 1 },
        { name: 'linearSchedule', initialValue: 1, finalValue: 0, steps: 2 },
        { name: 'constantSchedule', value: 7 },
      ],
      boundaries: [3, 6],
    });
  });

  it('rejects mismatched or unordered boundaries and pieces without a config', () => {
    const c = constantSchedule(1);
    expect(() => joinSchedules({ schedules: [c, c], boundaries: [] })).toThrow(
      /joinSchedules: boundaries must be an array of 1 step\(s\)/,
    );
    expect(() => joinSchedules({ schedules: [c, c, c], boundaries: [4, 4] })).toThrow(
      /joinSchedules: boundaries\[1\] must be an integer ≥ 5; got 4/,
    );
    expect(() => joinSchedules({ schedules: [c, (() => 1) as never], boundaries: [2] })).toThrow(
      /joinSchedules: schedules\[1\] must be a schedule made by one of core's schedule functions/,
    );
    expect(() => joinSchedules({ schedules: [], boundaries: [] })).toThrow(/schedules must be a non-empty array/);
  });
});
