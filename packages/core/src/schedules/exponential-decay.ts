import {
  checkFinite,
  checkInteger,
  checkPositiveNumber,
  checkScheduleOptions,
  makeSchedule,
  type Schedule,
} from './schedule.js';
import { L2oError } from '../l2o-error.js';

export interface ExponentialDecayScheduleOptions {
  /** The value at step 0. */
  readonly initialValue: number;
  /** The factor r > 0 applied every `decaySteps` steps (r < 1 decays). */
  readonly decayRate: number;
  /** Steps S per factor r (an integer ≥ 1). */
  readonly decaySteps: number;
  /** Apply the factor in whole steps of S (v₀ · r^⌊t/S⌋) instead of continuously. Default false. */
  readonly staircase?: boolean;
}

/**
 * Exponential decay: v(t) = v₀ · r^(t/S), or v₀ · r^⌊t/S⌋ with `staircase`.
 * Config `{ name: 'exponentialDecaySchedule', initialValue, decayRate, decaySteps, staircase }`.
 */
export function exponentialDecaySchedule(options: ExponentialDecayScheduleOptions): Schedule {
  const where = 'exponentialDecaySchedule';
  const opts = checkScheduleOptions(where, options, '{ initialValue: 0.1, decayRate: 0.5, decaySteps: 100 }');
  const v0 = checkFinite(where, 'initialValue', opts.initialValue);
  const rate = checkPositiveNumber(where, 'decayRate', opts.decayRate);
  const steps = checkInteger(where, 'decaySteps', opts.decaySteps, 1);
  const staircase = opts.staircase ?? false;
  if (typeof staircase !== 'boolean') {
    throw new L2oError('INVALID_OPTION', `${where}: staircase must be true or false; got ${String(staircase)}`);
  }
  return makeSchedule(
    (t) => {
      const p = Math.max(0, t) / steps;
      return v0 * rate ** (staircase ? Math.floor(p) : p);
    },
    { name: where, initialValue: v0, decayRate: rate, decaySteps: steps, staircase },
  );
}
