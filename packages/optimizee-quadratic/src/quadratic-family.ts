import * as tf from '@tensorflow/tfjs';
import { L2oError, type Optimizee, type OptimizeeFamily, type Rng, type TensorMap } from '@l2o/core';

/** How W and y are drawn: the paper says IID Gaussian; the reference code draws U[0, 1). */
export const QUADRATIC_SAMPLINGS = ['gaussian', 'uniform'] as const;
export type QuadraticSampling = (typeof QUADRATIC_SAMPLINGS)[number];

export interface QuadraticOptions {
  /** Dimension d of θ (and rows of W). Paper: 10. */
  readonly dim?: number;
  /** Number of independent functions optimized jointly as one problem (reference code: 128). */
  readonly functions?: number;
  /** Distribution of W and y. Default 'gaussian' (the paper). */
  readonly sampling?: QuadraticSampling;
  /** Standard deviation of θ₀ ~ N(0, σ²). Reference code: 0.01. */
  readonly initStd?: number;
}

export interface ResolvedQuadraticOptions {
  readonly dim: number;
  readonly functions: number;
  readonly sampling: QuadraticSampling;
  readonly initStd: number;
}

export function resolveQuadraticOptions(options: QuadraticOptions = {}): ResolvedQuadraticOptions {
  const dim = options.dim ?? 10;
  const functions = options.functions ?? 128;
  const sampling = options.sampling ?? 'gaussian';
  const initStd = options.initStd ?? 0.01;
  if (!Number.isInteger(dim) || dim < 1)
    throw new L2oError('INVALID_OPTION', `quadratic.dim: must be a positive integer, got ${dim}`);
  if (!Number.isInteger(functions) || functions < 1) {
    throw new L2oError('INVALID_OPTION', `quadratic.functions: must be a positive integer, got ${functions}`);
  }
  if (!(QUADRATIC_SAMPLINGS as readonly string[]).includes(sampling)) {
    throw new L2oError(
      'INVALID_OPTION',
      `quadratic.sampling: unknown "${String(sampling)}"; allowed values: ${QUADRATIC_SAMPLINGS.join(', ')}`,
    );
  }
  if (!(Number.isFinite(initStd) && initStd >= 0)) {
    throw new L2oError('INVALID_OPTION', `quadratic.initStd: must be a finite number ≥ 0, got ${initStd}`);
  }
  return { dim, functions, sampling, initStd };
}

/**
 * A problem of `functions` independent quadratics f_b(θ_b) = ||W_b θ_b − y_b||², optimized jointly.
 * Its loss is the mean over the functions, so the reported value is the loss of a typical function.
 * Parameters: `{ theta: [functions, dim] }`. Deterministic (no minibatches): its batch is `null`.
 */
export class QuadraticProblem implements Optimizee<null> {
  readonly name: string;
  /** W: [functions, dim, dim]. */
  readonly w: tf.Tensor3D;
  /** y: [functions, dim, 1]. */
  readonly y: tf.Tensor3D;
  private readonly opts: ResolvedQuadraticOptions;

  constructor(opts: ResolvedQuadraticOptions, w: tf.Tensor3D, y: tf.Tensor3D) {
    this.opts = opts;
    this.w = w;
    this.y = y;
    this.name = `quadratic-${opts.dim}d`;
  }

  init(rng: Rng): TensorMap {
    const { functions, dim, initStd } = this.opts;
    return { theta: tf.tensor2d(rng.normalArray(functions * dim, 0, initStd), [functions, dim]) };
  }

  sampleBatch(): null {
    return null;
  }

  loss(params: TensorMap): tf.Scalar {
    const theta = params['theta'];
    if (!theta) throw new L2oError('SHAPE_MISMATCH', 'quadratic.loss: params must hold "theta"');
    return tf.tidy(() => {
      const { functions, dim } = this.opts;
      const wt = tf.matMul(this.w, tf.reshape(theta, [functions, dim, 1]));
      const r = tf.sub(wt, this.y);
      return tf.div(tf.sum(tf.square(r)), functions) as tf.Scalar;
    });
  }

  dispose(): void {
    this.w.dispose();
    this.y.dispose();
  }
}

/** The paper's family of random quadratics ||Wθ − y||²: every `sample` draws fresh W and y. */
export interface QuadraticFamily extends OptimizeeFamily<null> {
  readonly options: ResolvedQuadraticOptions;
  sample(rng: Rng): QuadraticProblem;
}

export function quadraticFamily(options: QuadraticOptions = {}): QuadraticFamily {
  const opts = resolveQuadraticOptions(options);
  return {
    name: `quadratic-${opts.dim}d-${opts.sampling}`,
    options: opts,
    sample(rng: Rng): QuadraticProblem {
      const { functions, dim, sampling } = opts;
      const draw = (n: number): Float32Array =>
        sampling === 'gaussian' ? rng.normalArray(n) : rng.uniformArray(n, 0, 1);
      const w = tf.tensor3d(draw(functions * dim * dim), [functions, dim, dim]);
      const y = tf.tensor3d(draw(functions * dim), [functions, dim, 1]);
      return new QuadraticProblem(opts, w, y);
    },
  };
}
