import { checkInteger, checkScheduleOptions, makeSchedule, type Schedule } from './schedule.js';
import { L2oError } from '../l2o-error.js';

export interface JoinSchedulesOptions {
  /** The pieces, in order (each a schedule with a config, so the join can be written as JSON). */
  readonly schedules: readonly Schedule[];
  /** The steps where each next piece takes over: one fewer than `schedules`, increasing integers ≥ 1. */
  readonly boundaries: readonly number[];
}

/**
 * Pieces joined end to end: piece i runs from boundary bᵢ₋₁ (b₋₁ = 0) and reads the steps since then,
 * v(t) = scheduleᵢ(t − bᵢ₋₁) for bᵢ₋₁ ≤ t < bᵢ. Config `{ name: 'joinSchedules', schedules: [...], boundaries }`.
 */
export function joinSchedules(options: JoinSchedulesOptions): Schedule {
  const where = 'joinSchedules';
  const opts = checkScheduleOptions(where, options, '{ schedules: [warmUp, decay], boundaries: [100] }');
  const { schedules, boundaries } = opts;
  if (!Array.isArray(schedules) || schedules.length === 0) {
    throw new L2oError('INVALID_OPTION', `${where}: schedules must be a non-empty array of schedules`);
  }
  schedules.forEach((s, i) => {
    if (typeof s !== 'function' || s.config === null || typeof s.config !== 'object') {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: schedules[${i}] must be a schedule made by one of core's schedule functions`,
      );
    }
  });
  if (!Array.isArray(boundaries) || boundaries.length !== schedules.length - 1) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: boundaries must be an array of ${schedules.length - 1} step(s), one fewer than schedules; got ${JSON.stringify(boundaries)}`,
    );
  }
  boundaries.forEach((b, i) => {
    checkInteger(where, `boundaries[${i}]`, b, i === 0 ? 1 : boundaries[i - 1]! + 1);
  });
  const pieces = [...schedules];
  const starts = [0, ...boundaries];
  return makeSchedule(
    (t) => {
      let i = 0;
      while (i < boundaries.length && t >= boundaries[i]!) i++;
      return pieces[i]!(t - starts[i]!);
    },
    { name: where, schedules: pieces.map((s) => s.config), boundaries: [...boundaries] },
  );
}
