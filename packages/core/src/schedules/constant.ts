import { checkFinite, makeSchedule, type Schedule } from './schedule.js';

/** The same value at every step. Config `{ name: 'constantSchedule', value }`. */
export function constantSchedule(value: number): Schedule {
  const v = checkFinite('constantSchedule', 'value', value);
  return makeSchedule(() => v, { name: 'constantSchedule', value: v });
}
