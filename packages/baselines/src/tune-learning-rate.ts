import {
  type BatchData,
  evaluate,
  L2oError,
  type OptimizeeFamily,
  type Optimizer,
  type OptimizerCurve,
} from '@l2o/core';
import type { EvaluateEntry } from '@l2o/core/extend';
import { BASELINE_NAMES, makeBaseline, parseBaselineName } from './registry.js';
import type { BaselineName } from './registry.js';

/** How a learning rate is scored: mean over problems of f(θ_steps), or mean over steps 0…steps and problems. */
export const TUNE_METRICS = ['final', 'mean'] as const;
export type TuneMetric = (typeof TUNE_METRICS)[number];

/**
 * The 1–3–10 ladder at half-decade k: 10^(k/2) for even k, 3·10^((k−1)/2) for odd k (k = 0 → 1, 1 → 3, −1 → 0.3).
 */
export function halfDecade(k: number): number {
  if (!Number.isInteger(k)) throw new L2oError('INVALID_OPTION', `halfDecade: k must be an integer; got ${String(k)}`);
  const e = Math.floor(k / 2);
  return Number.parseFloat(`${k % 2 === 0 ? 1 : 3}e${e}`);
}

/**
 * The default grid: half-decades 1e-4, 3e-4, 1e-3, …, 3, 10. It reaches 10 because a grid stopping at 0.1
 * under-tunes SGD and NAG badly (on MNIST their best rates were 3 and 1).
 */
export const DEFAULT_LEARNING_RATE_GRID: readonly number[] = Object.freeze(
  Array.from({ length: 11 }, (_, i) => halfDecade(i - 8)),
);

/**
 * The next learning rate one half-decade above (`'up'`) or below (`'down'`) `lr`: the neighbouring point of the
 * 1–3–10 ladder when `lr` lies on it, else `lr` multiplied or divided by √10.
 */
export function nextHalfDecade(lr: number, direction: 'up' | 'down'): number {
  if (!(lr > 0) || !Number.isFinite(lr)) {
    throw new L2oError('INVALID_OPTION', `nextHalfDecade: lr must be a finite number > 0; got ${String(lr)}`);
  }
  if (direction !== 'up' && direction !== 'down') {
    throw new L2oError('INVALID_OPTION', `nextHalfDecade: direction must be one of up, down; got ${String(direction)}`);
  }
  const k = Math.round(2 * Math.log10(lr));
  const onLadder = Math.abs(lr / halfDecade(k) - 1) < 1e-9;
  if (onLadder) return halfDecade(direction === 'up' ? k + 1 : k - 1);
  return direction === 'up' ? lr * Math.sqrt(10) : lr / Math.sqrt(10);
}

/** The score of one evaluated curve under `metric`; NaN and ±∞ count as +∞ (lower is better). */
export function scoreCurve(curve: OptimizerCurve, metric: TuneMetric): number {
  const xs = metric === 'final' ? curve.finalLosses : curve.mean;
  if (xs.length === 0) return Number.POSITIVE_INFINITY;
  let s = 0;
  for (const x of xs) {
    if (!Number.isFinite(x)) return Number.POSITIVE_INFINITY;
    s += x;
  }
  const m = s / xs.length;
  return Number.isFinite(m) ? m : Number.POSITIVE_INFINITY;
}

/** Progress of a tuning run: one event per (problem, learning rate) run inside the current round. */
export interface TuneProgress {
  /** The name of the optimizer being tuned. */
  readonly name: string;
  /** 0 for the initial grid, 1, 2, … for each edge extension. */
  readonly round: number;
  /** The learning rates evaluated in this round. */
  readonly learningRates: readonly number[];
  readonly done: number;
  readonly total: number;
}

export interface TuneOptions<B extends BatchData> {
  /** Problems to tune on; every learning rate sees the same problems, θ₀ and minibatches. */
  readonly family: OptimizeeFamily<B>;
  /** Number of fresh problems per learning rate (positive integer). */
  readonly problems: number;
  /** Optimizer steps per problem (positive integer). */
  readonly steps: number;
  /** Seed of the evaluation (integer). */
  readonly seed: number;
  /** Learning rates to try (finite, > 0); default {@link DEFAULT_LEARNING_RATE_GRID}. */
  readonly grid?: readonly number[];
  /** Default `'final'`. */
  readonly metric?: TuneMetric;
  /** Extend the grid by half-decades while the best rate is at its edge; default true. */
  readonly extendEdges?: boolean;
  /** Most learning rates added by edge extension (non-negative integer); default 4. */
  readonly maxExtensions?: number;
  /**
   * Refinement rounds once the best rate is inside the grid: each tries the geometric midpoints between the
   * best rate and its two neighbours, so the result is within a smaller factor of the optimum. Default 2
   * (half-decade grid → within ×10^(1/8) ≈ 1.33).
   */
  readonly refine?: number;
  readonly onProgress?: (progress: TuneProgress) => void;
}

export interface TuneLearningRateOptions<B extends BatchData> extends TuneOptions<B> {
  /** Name of the optimizer being tuned (used in results and progress). */
  readonly name: string;
  /** Builds the optimizer for a learning rate. */
  readonly make: (learningRate: number) => Optimizer;
}

export interface LearningRateScore {
  readonly learningRate: number;
  /** Lower is better; +∞ when any loss was NaN or infinite. */
  readonly score: number;
}

export interface TuneResult {
  readonly name: string;
  /** The learning rate with the lowest score (the smaller rate on ties). */
  readonly best: number;
  readonly bestScore: number;
  /** Every evaluated learning rate with its score, in increasing learning rate. */
  readonly scores: LearningRateScore[];
  /** Every evaluated learning rate, increasing (the initial grid plus extensions). */
  readonly grid: number[];
  /** How many learning rates edge extension added. */
  readonly extended: number;
  /** How many learning rates refinement added. */
  readonly refined: number;
  /** True when the best rate is still the smallest or largest evaluated: the true optimum may lie outside. */
  readonly bestAtEdge: boolean;
  readonly metric: TuneMetric;
}

const DEFAULT_MAX_EXTENSIONS = 4;

/**
 * Grid search over learning rates: evaluates `make(lr)` for every rate of the grid on the same problems and
 * keeps the one with the lowest score. While the best rate sits at an edge of the grid (and `extendEdges`),
 * the grid grows one half-decade in that direction, up to `maxExtensions` new rates.
 */
export async function tuneLearningRate<B extends BatchData>(options: TuneLearningRateOptions<B>): Promise<TuneResult> {
  const where = 'tuneLearningRate';
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', `${where}: options must be an object`);
  const { name, make, family, problems, steps, seed, onProgress } = options;
  if (typeof name !== 'string' || name.length === 0) {
    throw new L2oError('INVALID_OPTION', `${where}: name must be a non-empty string; got ${String(name)}`);
  }
  if (typeof make !== 'function')
    throw new L2oError('INVALID_OPTION', `${where}: make must be a function (learningRate) => Optimizer`);
  const grid = checkGrid(where, options.grid ?? DEFAULT_LEARNING_RATE_GRID);
  const metric = checkMetric(where, options.metric ?? 'final');
  const extendEdges = options.extendEdges ?? true;
  if (typeof extendEdges !== 'boolean') {
    throw new L2oError('INVALID_OPTION', `${where}: extendEdges must be true or false; got ${String(extendEdges)}`);
  }
  const maxExtensions = options.maxExtensions ?? DEFAULT_MAX_EXTENSIONS;
  if (!Number.isInteger(maxExtensions) || maxExtensions < 0) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: maxExtensions must be an integer ≥ 0; got ${String(maxExtensions)}`,
    );
  }
  const refineRounds = options.refine ?? 2;
  if (!Number.isInteger(refineRounds) || refineRounds < 0) {
    throw new L2oError('INVALID_OPTION', `${where}: refine must be an integer ≥ 0; got ${String(refineRounds)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new L2oError('INVALID_OPTION', `${where}: onProgress must be a function`);
  }

  const scores = new Map<number, number>();
  let round = 0;
  const run = async (lrs: readonly number[]): Promise<void> => {
    const entries: EvaluateEntry[] = lrs.map((lr) => ({ name: `${name}@lr=${String(lr)}`, optimizer: make(lr) }));
    const currentRound = round;
    const result = await evaluate({
      family,
      optimizers: entries,
      problems,
      steps,
      seed,
      onProgress: onProgress
        ? (done, total) => onProgress({ name, round: currentRound, learningRates: lrs, done, total })
        : undefined,
    });
    lrs.forEach((lr, i) => scores.set(lr, scoreCurve(result.curves[i]!, metric)));
  };

  await run(grid);
  let extended = 0;
  while (extendEdges && extended < maxExtensions) {
    const sorted = [...scores.keys()].sort((a, b) => a - b);
    const i = bestIndex(sorted, scores);
    const candidates: number[] = [];
    if (i === 0) candidates.push(nextHalfDecade(sorted[0]!, 'down'));
    if (i === sorted.length - 1) candidates.push(nextHalfDecade(sorted[sorted.length - 1]!, 'up'));
    const fresh = candidates.filter((lr) => !scores.has(lr)).slice(0, maxExtensions - extended);
    if (fresh.length === 0) break;
    round++;
    await run(fresh);
    extended += fresh.length;
  }

  let refined = 0;
  for (let r = 0; r < refineRounds; r++) {
    const sorted = [...scores.keys()].sort((a, b) => a - b);
    const i = bestIndex(sorted, scores);
    if (i === 0 || i === sorted.length - 1) break;
    const mid = (a: number, b: number): number => Number(Math.sqrt(a * b).toPrecision(3));
    const fresh = [mid(sorted[i - 1]!, sorted[i]!), mid(sorted[i]!, sorted[i + 1]!)].filter((lr) => !scores.has(lr));
    if (fresh.length === 0) break;
    round++;
    await run(fresh);
    refined += fresh.length;
  }

  const sorted = [...scores.keys()].sort((a, b) => a - b);
  const i = bestIndex(sorted, scores);
  const best = sorted[i]!;
  return {
    refined,
    name,
    best,
    bestScore: scores.get(best)!,
    scores: sorted.map((learningRate) => ({ learningRate, score: scores.get(learningRate)! })),
    grid: sorted,
    extended,
    bestAtEdge: i === 0 || i === sorted.length - 1,
    metric,
  };
}

export interface TuneBaselinesOptions<B extends BatchData> extends TuneOptions<B> {
  /** Which baselines to tune, in this order; default all of {@link BASELINE_NAMES}. */
  readonly names?: readonly BaselineName[];
}

export interface TunedBaseline extends TuneResult {
  readonly name: BaselineName;
}

/** Tunes the learning rate of each baseline (other hyperparameters at their defaults) on the same problems. */
export async function tuneBaselines<B extends BatchData>(options: TuneBaselinesOptions<B>): Promise<TunedBaseline[]> {
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', 'tuneBaselines: options must be an object');
  const { names = BASELINE_NAMES, ...rest } = options;
  if (!Array.isArray(names) || names.length === 0) {
    throw new L2oError(
      'INVALID_OPTION',
      `tuneBaselines: names must be a non-empty array of: ${BASELINE_NAMES.join(', ')}`,
    );
  }
  const parsed = names.map((n, i) => parseBaselineName(n, `tuneBaselines: names[${i}]`));
  const out: TunedBaseline[] = [];
  for (const baseline of parsed) {
    const result = await tuneLearningRate({ ...rest, name: baseline, make: (lr) => makeBaseline(baseline, lr) });
    out.push({ ...result, name: baseline });
  }
  return out;
}

/** Index of the lowest score in `sorted` (the first, i.e. smallest rate, on ties). */
function bestIndex(sorted: readonly number[], scores: ReadonlyMap<number, number>): number {
  let bi = 0;
  for (let i = 1; i < sorted.length; i++) {
    if (scores.get(sorted[i]!)! < scores.get(sorted[bi]!)!) bi = i;
  }
  return bi;
}

function checkGrid(where: string, grid: readonly number[]): number[] {
  if (!Array.isArray(grid) || grid.length === 0) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: grid must be a non-empty array of learning rates (finite numbers > 0)`,
    );
  }
  grid.forEach((lr, i) => {
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
      throw new L2oError('INVALID_OPTION', `${where}: grid[${i}] must be a finite number > 0; got ${String(lr)}`);
    }
  });
  return [...new Set(grid)].sort((a, b) => a - b);
}

function checkMetric(where: string, metric: unknown): TuneMetric {
  if ((TUNE_METRICS as readonly unknown[]).includes(metric)) return metric as TuneMetric;
  throw new L2oError(
    'INVALID_OPTION',
    `${where}: metric must be one of ${TUNE_METRICS.join(', ')}; got ${String(metric)}`,
  );
}
