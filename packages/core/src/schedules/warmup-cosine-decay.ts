import { cosineDecaySchedule } from './cosine-decay.js';
import { joinSchedules } from './join.js';
import { linearSchedule } from './linear.js';
import {
  checkFinite,
  checkFraction,
  checkInteger,
  checkScheduleOptions,
  makeSchedule,
  type Schedule,
} from './schedule.js';

export interface WarmupCosineDecayScheduleOptions {
  /** The value at step 0, where the warm-up starts. Default 0. */
  readonly initialValue?: number;
  /** The value at the end of the warm-up, where the cosine starts. */
  readonly peakValue: number;
  /** Steps W of the linear warm-up (an integer ≥ 0; 0 starts at the peak). */
  readonly warmupSteps: number;
  /** Steps D of the cosine after the warm-up (an integer ≥ 1): the floor is reached at step W + D. */
  readonly decaySteps: number;
  /** The final value as a fraction of `peakValue`, in [0, 1]. Default 0. */
  readonly floor?: number;
}

/**
 * Linear warm-up, then cosine decay: from `initialValue` to `peakValue` over W steps, then from the peak to
 * floor · peak over D more steps (`cosineDecaySchedule`), constant afterwards.
 * Config `{ name: 'warmupCosineDecaySchedule', initialValue, peakValue, warmupSteps, decaySteps, floor }`.
 */
export function warmupCosineDecaySchedule(options: WarmupCosineDecayScheduleOptions): Schedule {
  const where = 'warmupCosineDecaySchedule';
  const opts = checkScheduleOptions(where, options, '{ peakValue: 0.1, warmupSteps: 100, decaySteps: 900 }');
  const v0 = checkFinite(where, 'initialValue', opts.initialValue ?? 0);
  const peak = checkFinite(where, 'peakValue', opts.peakValue);
  const warmup = checkInteger(where, 'warmupSteps', opts.warmupSteps, 0);
  const decay = checkInteger(where, 'decaySteps', opts.decaySteps, 1);
  const floor = checkFraction(where, 'floor', opts.floor ?? 0);
  const cosine = cosineDecaySchedule({ initialValue: peak, decaySteps: decay, floor });
  const joined =
    warmup === 0
      ? cosine
      : joinSchedules({
          schedules: [linearSchedule({ initialValue: v0, finalValue: peak, steps: warmup }), cosine],
          boundaries: [warmup],
        });
  return makeSchedule(joined, {
    name: where,
    initialValue: v0,
    peakValue: peak,
    warmupSteps: warmup,
    decaySteps: decay,
    floor,
  });
}
