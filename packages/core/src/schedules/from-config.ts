import type { JsonObject } from '../types.js';
import { constantSchedule } from './constant.js';
import { type CosineDecayScheduleOptions, cosineDecaySchedule } from './cosine-decay.js';
import { type ExponentialDecayScheduleOptions, exponentialDecaySchedule } from './exponential-decay.js';
import { joinSchedules } from './join.js';
import { type LinearScheduleOptions, linearSchedule } from './linear.js';
import type { Schedule } from './schedule.js';
import { type WarmupCosineDecayScheduleOptions, warmupCosineDecaySchedule } from './warmup-cosine-decay.js';
import { L2oError } from '../l2o-error.js';

type Builder = { readonly fields: readonly string[]; build(c: JsonObject, field: string): Schedule };

// The factories check the values; here only the shape of the description is checked.
const as = <T>(c: JsonObject): T => c as unknown as T;

const BUILDERS: Readonly<Record<string, Builder>> = {
  constantSchedule: { fields: ['value'], build: (c) => constantSchedule(c['value'] as number) },
  cosineDecaySchedule: {
    fields: ['initialValue', 'decaySteps', 'floor'],
    build: (c) => cosineDecaySchedule(as<CosineDecayScheduleOptions>(c)),
  },
  warmupCosineDecaySchedule: {
    fields: ['initialValue', 'peakValue', 'warmupSteps', 'decaySteps', 'floor'],
    build: (c) => warmupCosineDecaySchedule(as<WarmupCosineDecayScheduleOptions>(c)),
  },
  linearSchedule: {
    fields: ['initialValue', 'finalValue', 'steps'],
    build: (c) => linearSchedule(as<LinearScheduleOptions>(c)),
  },
  exponentialDecaySchedule: {
    fields: ['initialValue', 'decayRate', 'decaySteps', 'staircase'],
    build: (c) => exponentialDecaySchedule(as<ExponentialDecayScheduleOptions>(c)),
  },
  joinSchedules: {
    fields: ['schedules', 'boundaries'],
    build: (c, field) => {
      const pieces = c['schedules'];
      if (!Array.isArray(pieces))
        throw new L2oError('INVALID_OPTION', `${field}.schedules: must be an array of schedule descriptions`);
      return joinSchedules({
        schedules: pieces.map((p, i) => scheduleFromConfig(p as JsonObject, `${field}.schedules[${i}]`)),
        boundaries: c['boundaries'] as number[],
      });
    },
  },
};

/** The names `scheduleFromConfig` knows (the schedule factories of core). */
export const SCHEDULE_NAMES = Object.keys(BUILDERS);

/**
 * A schedule from its JSON description (`schedule.config`), e.g.
 * `{ name: 'cosineDecaySchedule', initialValue: 0.1, decaySteps: 1000, floor: 0.1 }`. Unknown names and fields
 * are refused, naming them and the allowed ones; values are checked by the schedule itself. `field` names the
 * description in errors.
 */
export function scheduleFromConfig(config: JsonObject, field = 'schedule'): Schedule {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${field}: must be an object such as { name: 'constantSchedule', value: 0.1 }`,
    );
  }
  const name = config['name'];
  const builder = typeof name === 'string' && Object.hasOwn(BUILDERS, name) ? BUILDERS[name] : undefined;
  if (!builder) {
    throw new L2oError(
      'INVALID_OPTION',
      `${field}.name: unknown schedule ${JSON.stringify(name)}; allowed values: ${SCHEDULE_NAMES.join(', ')}`,
    );
  }
  const allowed = ['name', ...builder.fields];
  for (const k of Object.keys(config)) {
    if (!allowed.includes(k))
      throw new L2oError(
        'INVALID_OPTION',
        `${field}.${k}: not a field of ${name}; allowed fields: ${allowed.join(', ')}`,
      );
  }
  const { name: _name, ...options } = config;
  void _name;
  try {
    return builder.build(options, field);
  } catch (e) {
    const message = (e as Error).message;
    // Errors of nested descriptions already start with their path; the factories' own start with their name.
    throw new L2oError(
      e instanceof L2oError ? e.code : 'INVALID_OPTION',
      message.startsWith(field) ? message : `${field}: ${message}`,
      {
        cause: e,
      },
    );
  }
}
