import * as tf from '@tensorflow/tfjs';
import { crc32 } from './crc32.js';
import { checkLogRange, logUniform } from './log-uniform.js';
import { Rng } from './rng.js';
import type { BatchData, Optimizee, OptimizeeFamily, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** Where a {@link reparameterizedFamily} draws its scales: one for all parameters, one per tensor, one per coordinate. */
export const REPARAMETERIZATION_LEVELS = ['global', 'tensor', 'parameter'] as const;
export type ReparameterizationLevel = (typeof REPARAMETERIZATION_LEVELS)[number];

export interface ReparameterizationOptions {
  /** One scale per problem ('global'), per parameter tensor ('tensor') or per coordinate ('parameter'). */
  readonly level: ReparameterizationLevel;
  /** Scales are drawn log-uniformly in [lo, hi], 0 < lo ≤ hi (Celo2: [1e-3, 1e3], [1e-2, 1e2] or [1e-1, 10]). */
  readonly range: readonly [number, number];
}

/**
 * Augmentation by random reparameterization (Celo2; DESIGN.md §8): the optimizer sees parameters w while the loss
 * is evaluated at w·s, with w initialised at θ₀/s. The function is unchanged (same losses along corresponding
 * points) but its gradient becomes s·∇f(w·s), so how sensitive each parameter is changes by s²: a learned
 * optimizer trained on such problems cannot rely on one gradient scale. s is drawn log-uniformly per problem, at the
 * chosen level; it depends only on the problem's rng (and, per tensor or coordinate, on the parameter's name), so
 * a problem is reproducible from its seed.
 */
export function reparameterizedFamily<Batch extends BatchData>(
  family: OptimizeeFamily<Batch>,
  options: ReparameterizationOptions,
): OptimizeeFamily<Batch> {
  const where = 'reparameterizedFamily';
  if (options === null || typeof options !== 'object') {
    throw new L2oError('INVALID_OPTION', `${where}: options must be an object { level, range }`);
  }
  const { level } = options;
  if (!(REPARAMETERIZATION_LEVELS as readonly string[]).includes(level)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: level: unknown "${String(level)}"; allowed values: ${REPARAMETERIZATION_LEVELS.join(', ')}`,
    );
  }
  const [lo, hi] = checkLogRange(where, 'range', options.range);
  return {
    name: `${family.name}+reparam(${level},${lo}..${hi})`,
    sample(rng) {
      const inner = family.sample(rng.fork());
      const scaleRng = rng.fork();
      const globalScale = level === 'global' ? logUniform(scaleRng, lo, hi) : 0;
      const seed = scaleRng.nextUint32();
      const scales = new Map<string, tf.Tensor>();
      // The scale of a tensor, created on first use from (problem seed, name): the same whatever the call order.
      const scaleOf = (key: string, like: tf.Tensor): tf.Tensor => {
        let s = scales.get(key);
        if (s === undefined) {
          if (level === 'global') s = tf.scalar(globalScale);
          else {
            const r = Rng.seeded(seed, crc32(new TextEncoder().encode(key)));
            if (level === 'tensor') s = tf.scalar(logUniform(r, lo, hi));
            else
              s = tf.tensor(
                Float32Array.from({ length: like.size }, () => logUniform(r, lo, hi)),
                like.shape,
              );
          }
          scales.set(key, tf.keep(s));
        } else if (level === 'parameter' && s.size !== like.size) {
          throw new L2oError('SHAPE_MISMATCH', `${where}: parameter "${key}" changed shape within one problem`);
        }
        return s;
      };
      const task: Optimizee<Batch> = {
        name: `${inner.name}+reparam(${level})`,
        init(r) {
          const theta0 = inner.init(r);
          const out: Record<string, tf.Tensor> = {};
          for (const [k, t] of Object.entries(theta0)) {
            const s = scaleOf(k, t);
            out[k] = tf.div(t, s);
          }
          for (const t of Object.values(theta0)) t.dispose();
          return out;
        },
        sampleBatch: (r) => inner.sampleBatch(r),
        loss(params: TensorMap, batch) {
          return tf.tidy(() => {
            const theta: Record<string, tf.Tensor> = {};
            for (const [k, w] of Object.entries(params)) theta[k] = tf.mul(w, scaleOf(k, w));
            return inner.loss(theta, batch);
          });
        },
        dispose() {
          inner.dispose?.();
          for (const s of scales.values()) s.dispose();
          scales.clear();
        },
      };
      return task;
    },
  };
}
