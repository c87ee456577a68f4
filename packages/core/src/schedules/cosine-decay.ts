import {
  checkFinite,
  checkFraction,
  checkInteger,
  checkScheduleOptions,
  makeSchedule,
  type Schedule,
} from './schedule.js';

export interface CosineDecayScheduleOptions {
  /** The value at step 0. */
  readonly initialValue: number;
  /** Steps T over which the value falls to its floor (an integer ≥ 1); it stays there afterwards. */
  readonly decaySteps: number;
  /** The final value as a fraction of `initialValue`, in [0, 1]. Default 0. */
  readonly floor?: number;
}

/**
 * Cosine decay with a floor: v(t) = v₀ · (floor + (1 − floor) · ½ (1 + cos(π · min(1, t/T)))), so v(0) = v₀ and
 * v(t) = floor · v₀ for t ≥ T. Config `{ name: 'cosineDecaySchedule', initialValue, decaySteps, floor }`.
 */
export function cosineDecaySchedule(options: CosineDecayScheduleOptions): Schedule {
  const where = 'cosineDecaySchedule';
  const opts = checkScheduleOptions(where, options, '{ initialValue: 0.1, decaySteps: 1000 }');
  const v0 = checkFinite(where, 'initialValue', opts.initialValue);
  const steps = checkInteger(where, 'decaySteps', opts.decaySteps, 1);
  const floor = checkFraction(where, 'floor', opts.floor ?? 0);
  return makeSchedule(
    (t) => {
      const progress = Math.min(1, Math.max(0, t / steps));
      return v0 * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    },
    { name: where, initialValue: v0, decaySteps: steps, floor },
  );
}
