import { checkFinite, checkInteger, checkScheduleOptions, makeSchedule, type Schedule } from './schedule.js';

export interface LinearScheduleOptions {
  /** The value at step 0. */
  readonly initialValue: number;
  /** The value from step `steps` on. */
  readonly finalValue: number;
  /** Steps T of the transition (an integer ≥ 1). */
  readonly steps: number;
}

/**
 * A straight line from `initialValue` at t = 0 to `finalValue` at t = T, constant afterwards:
 * v(t) = v₀ + (v₁ − v₀) · min(1, t/T). Config `{ name: 'linearSchedule', initialValue, finalValue, steps }`.
 */
export function linearSchedule(options: LinearScheduleOptions): Schedule {
  const where = 'linearSchedule';
  const opts = checkScheduleOptions(where, options, '{ initialValue: 0, finalValue: 0.1, steps: 100 }');
  const v0 = checkFinite(where, 'initialValue', opts.initialValue);
  const v1 = checkFinite(where, 'finalValue', opts.finalValue);
  const steps = checkInteger(where, 'steps', opts.steps, 1);
  return makeSchedule((t) => v0 + (v1 - v0) * Math.min(1, Math.max(0, t / steps)), {
    name: where,
    initialValue: v0,
    finalValue: v1,
    steps,
  });
}
