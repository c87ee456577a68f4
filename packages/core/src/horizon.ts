import type { Rng } from './rng.js';
import { L2oError } from './l2o-error.js';

/**
 * The length T of meta-training episodes: a fixed number of steps; `{ min, max }`, drawn log-uniformly per episode;
 * or `{ curriculum: [[metaStep, T], …] }`, T as a function of the meta-step at which an episode starts
 * (piecewise-linear between the points, constant outside them). Drawn and curriculum horizons are rounded to a
 * multiple of the truncation length K (at least K), so every truncation has K steps.
 */
export type HorizonOption =
  | number
  | { readonly min: number; readonly max: number }
  | { readonly curriculum: readonly (readonly [number, number])[] };

export type HorizonSchedule =
  | { readonly kind: 'fixed'; readonly steps: number }
  | { readonly kind: 'log-uniform'; readonly min: number; readonly max: number }
  | { readonly kind: 'curriculum'; readonly points: readonly (readonly [number, number])[] };

const isPositiveInt = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;

/** Validates a {@link HorizonOption} (the error names `horizon` and what is allowed). */
export function resolveHorizon(option: HorizonOption | undefined, unroll: number): HorizonSchedule {
  const value = option ?? 100;
  if (typeof value === 'number') {
    if (!isPositiveInt(value))
      throw new L2oError('INVALID_OPTION', `horizon: must be a positive integer, got ${value}`);
    if (value % unroll !== 0)
      throw new L2oError('INVALID_OPTION', `unroll: must divide horizon (${value}), got ${unroll}`);
    return { kind: 'fixed', steps: value };
  }
  if (value !== null && typeof value === 'object' && 'curriculum' in value) {
    const pts = value.curriculum;
    const ok =
      Array.isArray(pts) &&
      pts.length > 0 &&
      pts.every(
        (p, i) =>
          Array.isArray(p) &&
          p.length === 2 &&
          Number.isSafeInteger(p[0]) &&
          p[0] >= 0 &&
          isPositiveInt(p[1]) &&
          (i === 0 || p[0] > pts[i - 1]![0]),
      );
    if (!ok) {
      throw new L2oError(
        'INVALID_OPTION',
        'horizon.curriculum: must be a non-empty list of [metaStep, T] pairs, meta-steps non-negative integers in ' +
          `increasing order and T positive integers; got ${JSON.stringify(pts)}`,
      );
    }
    return { kind: 'curriculum', points: pts.map(([m, t]) => [m, t] as const) };
  }
  if (value !== null && typeof value === 'object' && 'min' in value && 'max' in value) {
    if (!isPositiveInt(value.min) || !isPositiveInt(value.max) || value.min > value.max) {
      throw new L2oError(
        'INVALID_OPTION',
        `horizon: { min, max } must be positive integers with min ≤ max; got ${JSON.stringify(value)}`,
      );
    }
    return { kind: 'log-uniform', min: value.min, max: value.max };
  }
  throw new L2oError(
    'INVALID_OPTION',
    `horizon: must be a positive integer, { min, max } (log-uniform per episode) or { curriculum: [[metaStep, T], …] }; got ${JSON.stringify(value)}`,
  );
}

function roundToUnroll(steps: number, unroll: number): number {
  return unroll * Math.max(1, Math.round(steps / unroll));
}

/** The horizon of an episode starting at `metaStep`, drawing from `rng` when the schedule samples. */
export function episodeHorizon(schedule: HorizonSchedule, rng: Rng, metaStep: number, unroll: number): number {
  if (schedule.kind === 'fixed') return schedule.steps;
  if (schedule.kind === 'log-uniform') {
    const t = Math.exp(Math.log(schedule.min) + rng.uniform() * (Math.log(schedule.max) - Math.log(schedule.min)));
    return roundToUnroll(t, unroll);
  }
  const pts = schedule.points;
  if (metaStep <= pts[0]![0]) return roundToUnroll(pts[0]![1], unroll);
  for (let i = 1; i < pts.length; i++) {
    const [m1, t1] = pts[i]!;
    if (metaStep <= m1) {
      const [m0, t0] = pts[i - 1]!;
      return roundToUnroll(t0 + ((t1 - t0) * (metaStep - m0)) / (m1 - m0), unroll);
    }
  }
  return roundToUnroll(pts[pts.length - 1]![1], unroll);
}

/** The longest horizon of a schedule (fixed T, the range's max, the curriculum's largest T). */
export function maxHorizon(schedule: HorizonSchedule): number {
  if (schedule.kind === 'fixed') return schedule.steps;
  if (schedule.kind === 'log-uniform') return schedule.max;
  return Math.max(...schedule.points.map((p) => p[1]));
}

/** A stable description for resume fingerprints: the number itself for a fixed horizon (as before). */
export function describeHorizon(schedule: HorizonSchedule): number | string {
  if (schedule.kind === 'fixed') return schedule.steps;
  if (schedule.kind === 'log-uniform') return `log-uniform(${schedule.min}..${schedule.max})`;
  return `curriculum(${schedule.points.map(([m, t]) => `${m}:${t}`).join(',')})`;
}
