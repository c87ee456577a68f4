import * as tf from '@tensorflow/tfjs';
import { L2oError, type Optimizee, type OptimizeeFamily, type Rng, type TensorMap } from '@l2o/core';
import { haarOrthogonal } from './haar-orthogonal.js';

export interface ConditionedQuadraticOptions {
  /** Dimension d of θ per function. Default 100. */
  readonly dim?: number;
  /** Condition number κ = λ_max / λ_min of the Hessian (≥ 1). Default 100. */
  readonly condition?: number;
  /** Independent functions optimized jointly as one problem (the loss is their mean). Default 1. */
  readonly functions?: number;
  /** Rotate the eigenbasis at random (true, default) or keep it axis-aligned (a diagonal Hessian). */
  readonly rotate?: boolean;
  /** Standard deviation of θ₀ ~ N(0, σ²). Default 1 (the minimizer θ* is drawn from N(0, 1) too). */
  readonly initStd?: number;
}

export interface ResolvedConditionedQuadraticOptions {
  readonly dim: number;
  readonly condition: number;
  readonly functions: number;
  readonly rotate: boolean;
  readonly initStd: number;
}

const KNOWN_OPTIONS = ['dim', 'condition', 'functions', 'rotate', 'initStd'];

export function resolveConditionedQuadraticOptions(
  options: ConditionedQuadraticOptions = {},
): ResolvedConditionedQuadraticOptions {
  const where = 'conditionedQuadratic';
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', `${where}: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(k))
      throw new L2oError('INVALID_OPTION', `${where}: unknown option "${k}"; allowed: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const dim = options.dim ?? 100;
  const condition = options.condition ?? 100;
  const functions = options.functions ?? 1;
  const rotate = options.rotate ?? true;
  const initStd = options.initStd ?? 1;
  if (!Number.isInteger(dim) || dim < 1)
    throw new L2oError('INVALID_OPTION', `${where}.dim: must be a positive integer, got ${dim}`);
  if (!(typeof condition === 'number' && Number.isFinite(condition) && condition >= 1)) {
    throw new L2oError('INVALID_OPTION', `${where}.condition: must be a finite number ≥ 1, got ${String(condition)}`);
  }
  if (!Number.isInteger(functions) || functions < 1) {
    throw new L2oError('INVALID_OPTION', `${where}.functions: must be a positive integer, got ${functions}`);
  }
  if (typeof rotate !== 'boolean')
    throw new L2oError('INVALID_OPTION', `${where}.rotate: must be true or false, got ${String(rotate)}`);
  if (!(typeof initStd === 'number' && Number.isFinite(initStd) && initStd >= 0)) {
    throw new L2oError('INVALID_OPTION', `${where}.initStd: must be a finite number ≥ 0, got ${String(initStd)}`);
  }
  return { dim, condition, functions, rotate, initStd };
}

/** d = d₁·d₂ with d₁ the largest divisor of d not above √d (1 when d is prime). */
export function kroneckerFactors(dim: number): readonly [number, number] {
  let d1 = Math.floor(Math.sqrt(dim));
  while (dim % d1 !== 0) d1--;
  return [d1, dim / d1];
}

/** The Hessian's eigenvalues: log-spaced from 1 down to 1/κ, λ_k = κ^(−k/(d−1)), k = 0…d−1. */
export function conditionedSpectrum(dim: number, condition: number): Float64Array {
  const out = new Float64Array(dim);
  for (let k = 0; k < dim; k++) out[k] = dim === 1 ? 1 : condition ** (-k / (dim - 1));
  return out;
}

/**
 * B independent quadratics f_b(θ_b) = ½ (θ_b − θ*_b)ᵀ A_b (θ_b − θ*_b), loss = their mean. A_b = Q Λ Qᵀ has the
 * eigenvalues of {@link conditionedSpectrum} (largest 1, so gradient descent is stable below a step of 2 at any
 * κ and d) assigned in random order, and a random rotation Q = Q₁ ⊗ Q₂ with Q₁, Q₂ Haar-distributed of sizes
 * d₁ × d₁ and d₂ × d₂ ({@link kroneckerFactors}): every eigenvector is dense, and sampling costs O(d₁³ + d₂³)
 * instead of O(d³). Minimum 0 at θ*. Parameters `{ theta: [B, d] }`; deterministic (batch `null`).
 */
export class ConditionedQuadraticProblem implements Optimizee<null> {
  readonly name: string;
  readonly options: ResolvedConditionedQuadraticOptions;
  /** Q₁ᵀ [B, d₁, d₁] (`undefined` without rotation). */
  readonly q1t: tf.Tensor3D | undefined;
  /** Q₂ [B, d₂, d₂] (`undefined` without rotation). */
  readonly q2: tf.Tensor3D | undefined;
  /** Eigenvalue of each rotated coordinate, [B, d₁, d₂] (entry (i, j) belongs to eigenvector q₁ᵢ ⊗ q₂ⱼ). */
  readonly lambda: tf.Tensor3D;
  /** The minimizer θ* [B, d]. */
  readonly thetaStar: tf.Tensor2D;
  readonly factors: readonly [number, number];

  constructor(options: ResolvedConditionedQuadraticOptions, rng: Rng) {
    this.options = options;
    const { dim, functions: B, rotate, condition } = options;
    this.name = `quadratic-cond${condition}-${dim}d`;
    this.factors = kroneckerFactors(dim);
    const [d1, d2] = this.factors;
    const spectrum = conditionedSpectrum(dim, condition);
    const lam = new Float32Array(B * dim);
    for (let b = 0; b < B; b++) {
      const order = permutation(dim, rng);
      for (let k = 0; k < dim; k++) lam[b * dim + k] = spectrum[order[k]!]!;
    }
    if (rotate) {
      const q1t = new Float32Array(B * d1 * d1);
      const q2 = new Float32Array(B * d2 * d2);
      for (let b = 0; b < B; b++) {
        const a = haarOrthogonal(d1, rng);
        for (let i = 0; i < d1; i++) for (let j = 0; j < d1; j++) q1t[b * d1 * d1 + i * d1 + j] = a[j * d1 + i]!;
        q2.set(haarOrthogonal(d2, rng), b * d2 * d2);
      }
      this.q1t = tf.tensor3d(q1t, [B, d1, d1]);
      this.q2 = tf.tensor3d(q2, [B, d2, d2]);
    }
    this.lambda = tf.tensor3d(lam, [B, d1, d2]);
    this.thetaStar = tf.tensor2d(rng.normalArray(B * dim), [B, dim]);
  }

  init(rng: Rng): TensorMap {
    const { functions, dim, initStd } = this.options;
    return { theta: tf.tensor2d(rng.normalArray(functions * dim, 0, initStd), [functions, dim]) };
  }

  sampleBatch(): null {
    return null;
  }

  loss(params: TensorMap): tf.Scalar {
    const theta = params['theta'];
    if (!theta) throw new L2oError('SHAPE_MISMATCH', `${this.name}.loss: params must hold "theta"`);
    return tf.tidy(() => {
      const [d1, d2] = this.factors;
      const B = this.options.functions;
      const diff = tf.reshape(tf.sub(theta, this.thetaStar), [B, d1, d2]) as tf.Tensor3D;
      // z = Qᵀ(θ − θ*) with Q = Q₁ ⊗ Q₂ (row-major vec): Z = Q₁ᵀ D Q₂.
      const z = this.q1t && this.q2 ? tf.matMul(this.q1t, tf.matMul(diff, this.q2)) : diff;
      return tf.div(tf.sum(tf.mul(this.lambda, tf.square(z))), 2 * B) as tf.Scalar;
    });
  }

  dispose(): void {
    tf.dispose([this.q1t, this.q2, this.lambda, this.thetaStar].filter((t) => t !== undefined));
  }
}

/** A random permutation of 0…n−1 (Fisher–Yates). */
function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** The family returned by {@link conditionedQuadraticFamily}. */
export interface ConditionedQuadraticFamily extends OptimizeeFamily<null> {
  readonly options: ResolvedConditionedQuadraticOptions;
  sample(rng: Rng): ConditionedQuadraticProblem;
}

/**
 * Quadratics with a chosen condition number and dimension (e.g. κ = 1e4, d = 1,000): each `sample` draws a fresh
 * rotation, eigenvalue order and minimizer; θ₀ ~ N(0, initStd²) comes from `init(rng)`.
 */
export function conditionedQuadraticFamily(options: ConditionedQuadraticOptions = {}): ConditionedQuadraticFamily {
  const opts = resolveConditionedQuadraticOptions(options);
  return {
    name: `quadratic-cond${opts.condition}-${opts.dim}d${opts.rotate ? '' : '-diagonal'}`,
    options: opts,
    sample(rng: Rng): ConditionedQuadraticProblem {
      return new ConditionedQuadraticProblem(opts, rng);
    },
  };
}
