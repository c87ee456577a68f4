import { describe, expect, it } from 'vitest';
import { constantSchedule } from './constant.js';
import { cosineDecaySchedule } from './cosine-decay.js';
import { exponentialDecaySchedule } from './exponential-decay.js';
import { scheduleFromConfig } from './from-config.js';
import { joinSchedules } from './join.js';
import { linearSchedule } from './linear.js';
import type { Schedule } from './schedule.js';
import { warmupCosineDecaySchedule } from './warmup-cosine-decay.js';

const every: Schedule[] = [
  constantSchedule(0.1),
  cosineDecaySchedule({ initialValue: 0.1, decaySteps: 7, floor: 0.05 }),
  warmupCosineDecaySchedule({ initialValue: 0.01, peakValue: 0.1, warmupSteps: 3, decaySteps: 9, floor: 0.1 }),
  linearSchedule({ initialValue: 0, finalValue: 0.3, steps: 5 }),
  exponentialDecaySchedule({ initialValue: 0.1, decayRate: 0.9, decaySteps: 2, staircase: true }),
  joinSchedules({
    schedules: [
      linearSchedule({ initialValue: 0, finalValue: 1, steps: 2 }),
      joinSchedules({
        schedules: [constantSchedule(1), exponentialDecaySchedule({ initialValue: 1, decayRate: 0.5, decaySteps: 3 })],
        boundaries: [2],
      }),
    ],
    boundaries: [2],
  }),
];

describe('scheduleFromConfig', () => {
  it('rebuilds every schedule from its JSON text: the same value at every step', () => {
    for (const s of every) {
      const rebuilt = scheduleFromConfig(JSON.parse(JSON.stringify(s)));
      expect(rebuilt.config).toEqual(s.config);
      for (let t = 0; t <= 20; t++) expect(Object.is(rebuilt(t), s(t))).toBe(true);
    }
  });

  it('refuses unknown names and fields, naming them and the allowed ones, with the path', () => {
    expect(() => scheduleFromConfig({ name: 'step' })).toThrow(
      /^schedule\.name: unknown schedule "step"; allowed values: constantSchedule, cosineDecaySchedule, /,
    );
    expect(() => scheduleFromConfig({ name: 'constantSchedule', value: 1, alpha: 0 })).toThrow(
      /^schedule\.alpha: not a field of constantSchedule; allowed fields: name, value$/,
    );
    expect(() =>
      scheduleFromConfig(
        {
          name: 'joinSchedules',
          schedules: [
            { name: 'constantSchedule', value: 1 },
            { name: 'linearSchedule', steps: 2 },
          ],
          boundaries: [1],
        },
        'learningRate',
      ),
    ).toThrow(/^learningRate\.schedules\[1\]: linearSchedule: initialValue must be a finite number; got undefined/);
    expect(() => scheduleFromConfig(null as never)).toThrow(/^schedule: must be an object/);
  });
});
