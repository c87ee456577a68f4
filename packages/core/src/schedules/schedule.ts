/** What every schedule is: a plain function of the step that also carries its JSON description. */
import type { JsonObject } from '../types.js';
import { L2oError } from '../l2o-error.js';

/** A schedule's JSON description: its factory's name and its fields, e.g. `{ name: 'constantSchedule', value: 0.1 }`. */
export type ScheduleConfig = JsonObject & { readonly name: string };

/**
 * A value as a function of the step t = 0, 1, 2, … (t is the number of updates already taken, so the first
 * update reads `schedule(0)`). `config` (also what `JSON.stringify` writes) rebuilds it through
 * `scheduleFromConfig`.
 */
export interface Schedule {
  (step: number): number;
  readonly config: ScheduleConfig;
}

/** `fn` with its config attached (internal). */
export function makeSchedule(fn: (step: number) => number, config: ScheduleConfig): Schedule {
  const frozen = Object.freeze({ ...config }) as ScheduleConfig;
  const schedule = (step: number): number => fn(step);
  Object.defineProperty(schedule, 'name', { value: config.name });
  return Object.assign(schedule, { config: frozen, toJSON: () => frozen });
}

/** Throws unless `value` is a finite number (checks of the schedule factories, naming the field). */
export function checkFinite(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a finite number; got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a finite number > 0. */
export function checkPositiveNumber(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a finite number > 0; got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is an integer ≥ `min`. */
export function checkInteger(where: string, field: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be an integer ≥ ${min}; got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is a number in [0, 1]. */
export function checkFraction(where: string, field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new L2oError('INVALID_OPTION', `${where}: ${field} must be a number in [0, 1]; got ${String(value)}`);
  }
  return value;
}

/** Throws unless the options argument is an object. */
export function checkScheduleOptions<T extends object>(where: string, options: T | undefined, example: string): T {
  if (options === null || typeof options !== 'object') {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: options must be an object such as ${example}; got ${String(options)}`,
    );
  }
  return options;
}
