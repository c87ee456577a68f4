import * as tf from '@tensorflow/tfjs';
import { ensureEngine } from './engine/engine.js';
import { lossAndGrad } from './loss-and-grad.js';
import { Rng } from './rng.js';
import { addMaps, cloneMap, disposeBatch, disposeMap } from './tensor-map.js';
import type { BatchData, Optimizee, OptimizeeFamily, Optimizer, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** One optimizer to evaluate, under the name it gets in curves, tables and plots. */
export interface EvaluateEntry {
  readonly name: string;
  readonly optimizer: Optimizer;
}

export interface EvaluateOptions<B extends BatchData> {
  /** Where the test problems come from: `problems` fresh draws. */
  family: OptimizeeFamily<B>;
  /** The optimizers to compare; names must be unique and non-empty. */
  optimizers: readonly EvaluateEntry[];
  /** R, the number of fresh problems (positive integer). */
  problems: number;
  /** S, the number of optimizer steps per problem (positive integer). */
  steps: number;
  /** Seed of the whole evaluation (integer): problem r uses `Rng.seeded(seed, r)`. */
  seed: number;
  /**
   * Index of the first problem (integer ≥ 0, default 0): the problems are r = firstProblem … firstProblem +
   * problems − 1, so problem r is the same whichever call runs it (a long evaluation can be split into pieces).
   */
  firstProblem?: number;
  /** Called after every (problem, optimizer) run with `done` of `total = problems × optimizers.length`. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Loss statistics of one optimizer across problems. Every per-step array has length `steps + 1`: entry t
 * describes f(θ_t) over the R problems, t = 0…steps. The loss at step t < steps is measured on the minibatch
 * used for that step's gradient; the loss at t = steps on one more fresh minibatch.
 *
 * Non-finite losses are kept as they are. The statistics propagate them: the mean of a set containing NaN is
 * NaN and one containing +∞ (and no NaN) is +∞; the std is then NaN; quantiles (median, q25, q75) of a set
 * containing NaN are NaN, and +∞/−∞ sort above/below every finite value.
 */
export interface OptimizerCurve {
  name: string;
  mean: number[];
  /** Population standard deviation across problems (divides by R, not R − 1). */
  std: number[];
  median: number[];
  /** 25th percentile, linear interpolation between order statistics (numpy's default). */
  q25: number[];
  /** 75th percentile, same interpolation. */
  q75: number[];
  /** f(θ_steps) of each problem, in problem order. */
  finalLosses: number[];
  /**
   * f(θ_t) of every problem at every step, `losses[r][t]` (r in problem order, t = 0…steps), so paired
   * comparisons at any step need no second call. Always set by {@link evaluate}; hand-built curves may omit it.
   */
  losses?: number[][];
  /**
   * How many problems have a non-finite loss (NaN or ±∞) at step t, t = 0…steps. Always set by
   * {@link evaluate}; hand-built curves may omit it.
   */
  diverged?: number[];
}

export interface EvaluationResult {
  family: string;
  problems: number;
  steps: number;
  seed: number;
  /** The first problem's index when it was not 0 (see {@link EvaluateOptions.firstProblem}). */
  firstProblem?: number;
  curves: OptimizerCurve[];
}

/** The independent random streams of problem `r`: the problem itself, its θ₀, and its minibatches. */
export interface ProblemStreams {
  readonly problem: Rng;
  readonly init: Rng;
  readonly batches: Rng;
}

/**
 * The random streams of problem `r` of an evaluation seeded with `seed`, forked in a fixed order from
 * `Rng.seeded(seed, r)`. Calling it again returns identical, fresh streams (used to replay the minibatch
 * sequence for every optimizer).
 */
export function problemStreams(seed: number, r: number): ProblemStreams {
  const base = Rng.seeded(seed, r);
  const problem = base.fork();
  const init = base.fork();
  const batches = base.fork();
  return { problem, init, batches };
}

/** How many step losses are kept on the device before they are read back in one transfer. */
const READ_CHUNK = 64;

/**
 * Runs every optimizer on the same `problems` fresh problems for `steps` steps and summarises the losses.
 * Every optimizer sees identical problems, identical θ₀ and identical minibatch sequences.
 */
export async function evaluate<B extends BatchData>(opts: EvaluateOptions<B>): Promise<EvaluationResult> {
  validateOptions(opts);
  await ensureEngine('evaluate');
  const { family, optimizers, problems, steps, seed, onProgress } = opts;
  const firstProblem = opts.firstProblem ?? 0;
  const total = problems * optimizers.length;
  // losses[o][r][t]
  const losses: number[][][] = optimizers.map(() => []);
  let done = 0;
  for (let r = firstProblem; r < firstProblem + problems; r++) {
    const streams = problemStreams(seed, r);
    const task = family.sample(streams.problem);
    try {
      const theta0 = task.init(streams.init);
      try {
        for (let o = 0; o < optimizers.length; o++) {
          const entry = optimizers[o]!;
          const batchRng = problemStreams(seed, r).batches;
          losses[o]!.push(await runOne(task, entry.optimizer, theta0, batchRng, steps));
          done++;
          onProgress?.(done, total);
          await yieldToEventLoop();
        }
      } finally {
        disposeMap(theta0);
      }
    } finally {
      task.dispose?.();
    }
  }
  const curves = optimizers.map((entry, o) => summarise(entry.name, losses[o]!, steps));
  const result: EvaluationResult = { family: family.name, problems, steps, seed, curves };
  if (firstProblem !== 0) result.firstProblem = firstProblem;
  return result;
}

/** f(θ_t) for t = 0…steps of one optimizer on one problem. Leaves no tensor behind. */
async function runOne<B extends BatchData>(
  task: Optimizee<B>,
  optimizer: Optimizer,
  theta0: TensorMap,
  batchRng: Rng,
  steps: number,
): Promise<number[]> {
  const out: number[] = [];
  const pending: tf.Scalar[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const stacked = tf.stack(pending);
    try {
      const values = await stacked.data();
      for (const v of values) out.push(v);
    } finally {
      stacked.dispose();
      for (const t of pending) t.dispose();
      pending.length = 0;
    }
  };

  let theta: TensorMap = cloneMap(theta0);
  let state: tf.TensorContainer | undefined;
  try {
    state = optimizer.init(theta, { totalSteps: steps });
    for (let t = 0; t < steps; t++) {
      const batch = task.sampleBatch(batchRng);
      let grads: TensorMap | undefined;
      try {
        const lg = lossAndGrad(task, theta, batch);
        pending.push(lg.loss);
        grads = lg.grads;
      } finally {
        disposeBatch(batch);
      }
      const g = grads;
      const prevTheta = theta;
      const prevState: tf.TensorContainer = state;
      let next: { theta: TensorMap; state: tf.TensorContainer };
      try {
        next = tf.tidy(() => {
          const step = optimizer.update(g, prevState, prevTheta);
          return { theta: addMaps(prevTheta, step.updates), state: step.state };
        });
      } catch (e) {
        disposeExcept([g], [prevTheta, prevState]);
        throw e;
      }
      theta = next.theta;
      state = next.state;
      disposeExcept([prevTheta, g, prevState], [theta, state]);
      if (pending.length >= READ_CHUNK) await flush();
    }
    const lastBatch = task.sampleBatch(batchRng);
    try {
      const current = theta;
      pending.push(tf.tidy(() => task.loss(current, lastBatch)));
    } finally {
      disposeBatch(lastBatch);
    }
    await flush();
  } finally {
    for (const t of pending) t.dispose();
    disposeExcept([theta, state], []);
  }
  return out;
}

/** Disposes every tensor in `from` that does not also appear in `keep` (optimizers may pass tensors through). */
function disposeExcept(from: readonly unknown[], keep: readonly unknown[]): void {
  const kept = new Set<number>();
  for (const c of keep) for (const t of tensorsIn(c)) kept.add(t.id);
  for (const c of from) {
    for (const t of tensorsIn(c)) {
      if (!kept.has(t.id) && !t.isDisposed) t.dispose();
    }
  }
}

function tensorsIn(container: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (container === null || typeof container !== 'object' || seen.has(container)) return out;
  seen.add(container);
  if (container instanceof tf.Tensor) {
    out.push(container);
    return out;
  }
  if (ArrayBuffer.isView(container)) return out;
  const values = Array.isArray(container) ? container : Object.values(container);
  for (const v of values) tensorsIn(v, out, seen);
  return out;
}

function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  return new Promise<void>((resolve) => {
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/** Per-step statistics over problems; `perProblem[r][t]`. The curve keeps a copy of the rows as `losses`. */
export function summarise(name: string, perProblem: readonly (readonly number[])[], steps: number): OptimizerCurve {
  const n = steps + 1;
  const curve: OptimizerCurve = { name, mean: [], std: [], median: [], q25: [], q75: [], finalLosses: [] };
  const diverged: number[] = [];
  for (let t = 0; t < n; t++) {
    const xs = perProblem.map((row) => {
      const v = row[t];
      if (v === undefined) throw new L2oError('SHAPE_MISMATCH', `summarise: problem row shorter than steps + 1 = ${n}`);
      return v;
    });
    diverged.push(xs.filter((x) => !Number.isFinite(x)).length);
    const m = mean(xs);
    curve.mean.push(m);
    curve.std.push(populationStd(xs, m));
    curve.median.push(quantile(xs, 0.5));
    curve.q25.push(quantile(xs, 0.25));
    curve.q75.push(quantile(xs, 0.75));
  }
  for (const row of perProblem) curve.finalLosses.push(row[steps]!);
  curve.losses = perProblem.map((row) => row.slice(0, n));
  curve.diverged = diverged;
  return curve;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function populationStd(xs: readonly number[], m: number): number {
  if (!Number.isFinite(m)) return NaN;
  let s = 0;
  for (const x of xs) s += (x - m) * (x - m);
  return Math.sqrt(s / xs.length);
}

/** Quantile `p` ∈ [0, 1] with linear interpolation between order statistics (type 7). NaN if any is NaN. */
export function quantile(xs: readonly number[], p: number): number {
  if (xs.length === 0 || xs.some((x) => Number.isNaN(x))) return NaN;
  const sorted = [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const frac = h - lo;
  if (frac === 0 || a === b) return a;
  return a + (b - a) * frac;
}

/**
 * Throws unless `entries` is a non-empty array of { name, optimizer } with unique, non-empty names and real
 * optimizers; every message starts with `field` (e.g. "evaluate: optimizers[1].name …").
 */
export function checkEvaluateEntries(entries: unknown, field: string): void {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new L2oError('INVALID_OPTION', `${field} must be a non-empty array of { name, optimizer }`);
  }
  const names = new Set<string>();
  entries.forEach((e: Partial<EvaluateEntry> | undefined, i) => {
    if (!e || typeof e.name !== 'string' || e.name.length === 0) {
      throw new L2oError('INVALID_OPTION', `${field}[${i}].name must be a non-empty string`);
    }
    if (names.has(e.name))
      throw new L2oError('INVALID_OPTION', `${field}[${i}].name "${e.name}" is used twice; names must be unique`);
    names.add(e.name);
    const opt = e.optimizer as Partial<Optimizer> | undefined;
    if (!opt || typeof opt.init !== 'function' || typeof opt.update !== 'function') {
      throw new L2oError(
        'INVALID_OPTION',
        `${field}[${i}].optimizer must be an Optimizer (with init and update methods)`,
      );
    }
  });
}

function validateOptions<B extends BatchData>(opts: EvaluateOptions<B>): void {
  if (opts === null || typeof opts !== 'object')
    throw new L2oError('INVALID_OPTION', 'evaluate: options must be an object');
  const { family, optimizers, problems, steps, seed, onProgress } = opts;
  if (!family || typeof family.sample !== 'function') {
    throw new L2oError(
      'INVALID_OPTION',
      'evaluate: family must be an OptimizeeFamily (an object with a sample(rng) method)',
    );
  }
  checkEvaluateEntries(optimizers, 'evaluate: optimizers');
  if (!Number.isInteger(problems) || problems < 1) {
    throw new L2oError('INVALID_OPTION', `evaluate: problems must be a positive integer, got ${String(problems)}`);
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new L2oError('INVALID_OPTION', `evaluate: steps must be a positive integer, got ${String(steps)}`);
  }
  if (!Number.isSafeInteger(seed))
    throw new L2oError('INVALID_OPTION', `evaluate: seed must be an integer, got ${String(seed)}`);
  const first = opts.firstProblem;
  if (first !== undefined && !(Number.isSafeInteger(first) && first >= 0)) {
    throw new L2oError('INVALID_OPTION', `evaluate: firstProblem must be an integer ≥ 0, got ${String(first)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new L2oError('INVALID_OPTION', 'evaluate: onProgress must be a function (done, total) => void');
  }
}
