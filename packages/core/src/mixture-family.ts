import type { BatchData, OptimizeeFamily } from './types.js';
import { L2oError } from './l2o-error.js';

/** One component of a {@link mixtureFamily}: a family and its (relative) probability. */
export interface MixtureComponent<Batch extends BatchData = BatchData> {
  readonly family: OptimizeeFamily<Batch>;
  /** Relative weight, a finite number > 0 (weights need not sum to 1). */
  readonly weight: number;
}

/**
 * A family drawing each problem from one of several families, picked with probability proportional to its weight:
 * the task distribution of a learned optimizer meant to generalize (a mixture of small tasks). Deterministic for a
 * given rng; the component's problem is drawn from the same rng after the pick.
 */
export function mixtureFamily<Batch extends BatchData>(
  components: readonly MixtureComponent<Batch>[],
): OptimizeeFamily<Batch> {
  const where = 'mixtureFamily';
  if (!Array.isArray(components) || components.length === 0) {
    throw new L2oError('INVALID_OPTION', `${where}: components must be a non-empty array of { family, weight }`);
  }
  components.forEach((c, i) => {
    if (c === null || typeof c !== 'object' || typeof c.family?.sample !== 'function') {
      throw new L2oError('INVALID_OPTION', `${where}: components[${i}].family must be an OptimizeeFamily`);
    }
    if (typeof c.weight !== 'number' || !Number.isFinite(c.weight) || c.weight <= 0) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: components[${i}].weight must be a finite number > 0; got ${String(c.weight)}`,
      );
    }
  });
  const parts = components.map((c) => ({ family: c.family, weight: c.weight }));
  const total = parts.reduce((s, c) => s + c.weight, 0);
  return {
    name: `mixture(${parts.map((c) => `${c.family.name}:${c.weight}`).join(', ')})`,
    sample(rng) {
      let u = rng.uniform() * total;
      let pick = parts[parts.length - 1]!;
      for (const c of parts) {
        if (u < c.weight) {
          pick = c;
          break;
        }
        u -= c.weight;
      }
      return pick.family.sample(rng);
    },
  };
}
