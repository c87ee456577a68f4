import * as tf from '@tensorflow/tfjs';
import { L2oError, type Optimizee, type OptimizeeFamily, type Rng, type TensorMap } from '@l2o/core';

/** Options shared by every test-function family. */
export interface TestFunctionOptions {
  /** Dimension d of θ per function. */
  readonly dim?: number;
  /** Independent copies optimized jointly as one problem, each from its own start; the loss is their mean. Default 1. */
  readonly functions?: number;
  /** θ₀ is drawn uniformly from [lo, hi]^d (default: the function's classic search box). */
  readonly initRange?: readonly [number, number];
}

export interface ResolvedTestFunctionOptions {
  readonly dim: number;
  readonly functions: number;
  readonly initRange: readonly [number, number];
}

/** What defines a test function: its name, defaults, and its value per row of θ. */
export interface TestFunctionSpec {
  /** Short name, e.g. `rosenbrock`: problems are named `${name}-${dim}d`. */
  readonly name: string;
  readonly defaultDim: number;
  /** Smallest dimension the function is defined for. */
  readonly minDim: number;
  readonly defaultInitRange: readonly [number, number];
  /** f of each row of x [B, d] → [B]; differentiable; its minimum value is 0. */
  readonly value: (x: tf.Tensor2D) => tf.Tensor1D;
}

/** Checks options against a spec and fills in its defaults; errors name `${spec.name}.${field}`. */
export function resolveTestFunctionOptions(
  spec: TestFunctionSpec,
  options: TestFunctionOptions = {},
): ResolvedTestFunctionOptions {
  const where = spec.name;
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', `${where}: options must be an object`);
  const known = ['dim', 'functions', 'initRange'];
  for (const k of Object.keys(options)) {
    if (!known.includes(k))
      throw new L2oError('INVALID_OPTION', `${where}: unknown option "${k}"; allowed: ${known.join(', ')}`);
  }
  const dim = options.dim ?? spec.defaultDim;
  if (!Number.isInteger(dim) || dim < spec.minDim) {
    throw new L2oError('INVALID_OPTION', `${where}.dim: must be an integer ≥ ${spec.minDim}, got ${String(dim)}`);
  }
  const functions = options.functions ?? 1;
  if (!Number.isInteger(functions) || functions < 1) {
    throw new L2oError('INVALID_OPTION', `${where}.functions: must be a positive integer, got ${String(functions)}`);
  }
  const range = options.initRange ?? spec.defaultInitRange;
  if (
    !Array.isArray(range) ||
    range.length !== 2 ||
    !range.every((v) => typeof v === 'number' && Number.isFinite(v)) ||
    !(range[0] < range[1])
  ) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.initRange: must be [lo, hi] with finite lo < hi, got ${JSON.stringify(range)}`,
    );
  }
  return { dim, functions, initRange: [range[0], range[1]] };
}

/**
 * One problem: `functions` copies of a test function optimized jointly from independent uniform starts;
 * loss = mean over the copies. Parameters `{ theta: [functions, dim] }`; deterministic (batch `null`).
 */
export class TestFunctionProblem implements Optimizee<null> {
  readonly name: string;
  readonly spec: TestFunctionSpec;
  readonly options: ResolvedTestFunctionOptions;

  constructor(spec: TestFunctionSpec, options: ResolvedTestFunctionOptions) {
    this.spec = spec;
    this.options = options;
    this.name = `${spec.name}-${options.dim}d`;
  }

  init(rng: Rng): TensorMap {
    const { functions, dim, initRange } = this.options;
    return { theta: tf.tensor2d(rng.uniformArray(functions * dim, initRange[0], initRange[1]), [functions, dim]) };
  }

  sampleBatch(): null {
    return null;
  }

  loss(params: TensorMap): tf.Scalar {
    const theta = params['theta'];
    if (!theta) throw new L2oError('SHAPE_MISMATCH', `${this.name}.loss: params must hold "theta"`);
    if (theta.rank !== 2 || theta.shape[1] !== this.options.dim) {
      throw new L2oError(
        'SHAPE_MISMATCH',
        `${this.name}.loss: theta must have shape [functions, ${this.options.dim}], got [${theta.shape}]`,
      );
    }
    return tf.tidy(() => tf.mean(this.spec.value(theta as tf.Tensor2D)) as tf.Scalar);
  }

  dispose(): void {
    // Holds no tensors.
  }
}

/** A family of one test function: every `sample` is the same function; the randomness is in the starts. */
export interface TestFunctionFamily extends OptimizeeFamily<null> {
  readonly options: ResolvedTestFunctionOptions;
  sample(rng: Rng): TestFunctionProblem;
}

/** The family of `spec` with these options (checked). */
export function testFunctionFamily(spec: TestFunctionSpec, options: TestFunctionOptions = {}): TestFunctionFamily {
  const opts = resolveTestFunctionOptions(spec, options);
  return {
    name: `${spec.name}-${opts.dim}d`,
    options: opts,
    sample(): TestFunctionProblem {
      return new TestFunctionProblem(spec, opts);
    },
  };
}
