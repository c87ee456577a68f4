import type { Rng } from './rng.js';
import { L2oError } from './l2o-error.js';

/** Checks `[lo, hi]` with 0 < lo ≤ hi, both finite; the error names `where` and `field`. */
export function checkLogRange(where: string, field: string, range: unknown): readonly [number, number] {
  const ok =
    Array.isArray(range) &&
    range.length === 2 &&
    range.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    range[0] > 0 &&
    range[0] <= range[1];
  if (!ok)
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: ${field} must be [lo, hi] with 0 < lo ≤ hi, both finite; got ${JSON.stringify(range)}`,
    );
  return range as unknown as readonly [number, number];
}

/** exp(U(log lo, log hi)): log-uniform in [lo, hi]. */
export function logUniform(rng: Rng, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + rng.uniform() * (Math.log(hi) - Math.log(lo)));
}
