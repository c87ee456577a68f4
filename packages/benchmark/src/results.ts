import { quantile } from '@l2o/core/extend';
import { L2oError } from '@l2o/core';
import {
  interquartileMean,
  medianOf,
  meanStd,
  pairedComparison,
  runDiverged,
  stepsToReach,
  trailingMean,
  type PairedComparison,
} from './stats.js';
import type { RunRecord, TuningRecord } from './store.js';
import type { BenchmarkTask, TaskSplit } from './task.js';

/** A learned optimizer against one baseline on one task. */
export interface Comparison extends PairedComparison {
  /** The baseline compared against, e.g. `adam`. */
  readonly against: string;
  /** Task-level verdict: the learned optimizer's mean final loss is strictly lower (a diverged run makes a mean +∞). */
  readonly beats: boolean;
}

/** One optimizer on one task. Curves are given at the task's `curveSteps`. */
export interface OptimizerTaskResult {
  readonly name: string;
  readonly type: 'baseline' | 'learned';
  /** The tuned learning rate (baselines). */
  readonly learningRate?: number;
  readonly initialLosses: number[];
  readonly finalLosses: number[];
  /** Mean, population std and median of the final loss over the runs (NaN counts as +∞ in the median). */
  readonly meanFinal: number;
  readonly stdFinal: number;
  readonly medianFinal: number;
  /** Runs that diverged (a non-finite loss, or a final loss above divergenceFactor × the start). */
  readonly diverged: number;
  readonly mean: number[];
  readonly median: number[];
  readonly q25: number[];
  readonly q75: number[];
  /** Median over runs of the wall-clock seconds per step (gradient + update). */
  readonly secondsPerStep: number;
  /** Mean final loss ÷ tuned Adam's mean final loss. */
  readonly normalizedLoss: number;
  /**
   * First step where this optimizer's mean curve, averaged over a trailing window of 5% of the points, reaches tuned
   * Adam's final loss (its mean curve averaged the same way, at the last step); null if never.
   */
  readonly stepsToAdamFinal: number | null;
  /** `stepsToAdamFinal` × `secondsPerStep`. */
  readonly secondsToAdamFinal: number | null;
  /** Tuned Adam's steps to its own final loss ÷ this optimizer's steps to it (null if never reached). */
  readonly speedUp: number | null;
  /** The same in wall-clock time. */
  readonly wallClockSpeedUp: number | null;
  /** Run-by-run against tuned Adam (not for Adam itself). */
  readonly vsAdam?: Comparison;
  /** Run-by-run against the best tuned baseline of the task (learned optimizers only). */
  readonly vsBest?: Comparison;
}

export interface TaskResult {
  readonly id: string;
  readonly kind: string;
  readonly split: TaskSplit;
  readonly description: string;
  /** The name of the family the runs came from. */
  readonly steps: number;
  readonly batchSize: number | null;
  readonly runs: number;
  readonly seed: number;
  readonly tuneSeed: number;
  readonly tuneProblems: number;
  readonly longRunOf?: string;
  readonly logY: boolean;
  readonly curveSteps: number[];
  readonly tuning: readonly TuningRecord[];
  /** The tuned baseline with the lowest mean final loss on the reported runs. */
  readonly bestBaseline: string;
  readonly optimizers: readonly OptimizerTaskResult[];
}

/** What {@link summariseTask} needs of a task's runs. */
export interface TaskRuns {
  readonly curveSteps: number[];
  readonly tunings: readonly TuningRecord[];
  readonly optimizers: ReadonlyArray<{
    readonly name: string;
    readonly type: 'baseline' | 'learned';
    readonly learningRate?: number;
    readonly runs: readonly RunRecord[];
  }>;
  readonly divergenceFactor: number;
}

/** Points of the trailing average used before looking for the step that reaches a loss: 5% of the curve. */
function smoothingWindow(points: number): number {
  return Math.max(1, Math.round(points / 20));
}

/** Per-step statistics across runs, treating a non-finite loss as +∞ in quantiles. */
function curveStats(
  runs: readonly RunRecord[],
  points: number,
): Pick<OptimizerTaskResult, 'mean' | 'median' | 'q25' | 'q75'> {
  const mean: number[] = [];
  const median: number[] = [];
  const q25: number[] = [];
  const q75: number[] = [];
  for (let i = 0; i < points; i++) {
    const xs = runs.map((r) => r.curve[i]!);
    mean.push(meanStd(xs).mean);
    const ord = xs.map((x) => (Number.isNaN(x) ? Number.POSITIVE_INFINITY : x));
    median.push(quantile(ord, 0.5));
    q25.push(quantile(ord, 0.25));
    q75.push(quantile(ord, 0.75));
  }
  return { mean, median, q25, q75 };
}

/** Turns a task's runs into its result: statistics, comparisons with tuned Adam and the best tuned baseline. */
export function summariseTask(task: BenchmarkTask, data: TaskRuns): TaskResult {
  const points = data.curveSteps.length;
  const base = data.optimizers.map((o) => {
    const finals = o.runs.map((r) => r.final);
    const { mean, std } = meanStd(finals);
    const seconds = o.runs.map((r) => r.seconds / task.steps);
    return {
      o,
      finals,
      meanFinal: mean,
      stdFinal: std,
      stats: curveStats(o.runs, points),
      secondsPerStep: medianOf(seconds),
      diverged: o.runs.filter((r) => runDiverged(r.initial, r.final, r.firstNonFinite !== null, data.divergenceFactor))
        .length,
    };
  });
  const adam = base.find((b) => b.o.type === 'baseline' && b.o.name === 'adam');
  if (!adam)
    throw new L2oError(
      'INVALID_OPTION',
      `task "${task.id}": tuned Adam is missing; it is the reference of every comparison`,
    );
  const baselines = base.filter((b) => b.o.type === 'baseline');
  const best = baselines.reduce((a, b) => (orderMean(b.meanFinal) < orderMean(a.meanFinal) ? b : a));
  const window = smoothingWindow(points);
  const smooth = (b: (typeof base)[number]): number[] => trailingMean(b.stats.mean, window);
  // Adam's final loss for speed-ups: its mean curve averaged over the last 5% of the points, the same smoothing the
  // curves get before the first step reaching it is looked for (so Adam itself reaches it by its last step).
  const adamSmooth = smooth(adam);
  const target = adamSmooth[adamSmooth.length - 1]!;
  const adamSteps = stepsToReach(adamSmooth, data.curveSteps, target);
  const optimizers: OptimizerTaskResult[] = base.map((b) => {
    const reach = stepsToReach(smooth(b), data.curveSteps, target);
    const speedUp = reach !== null && adamSteps !== null ? adamSteps / Math.max(reach, 1) : null;
    const wall =
      reach !== null && adamSteps !== null
        ? (Math.max(adamSteps, 1) * adam.secondsPerStep) / (Math.max(reach, 1) * b.secondsPerStep)
        : null;
    const compare = (other: (typeof base)[number]): Comparison => ({
      against: other.o.name,
      ...pairedComparison(b.finals, other.finals),
      beats: orderMean(b.meanFinal) < orderMean(other.meanFinal),
    });
    return {
      name: b.o.name,
      type: b.o.type,
      ...(b.o.learningRate !== undefined ? { learningRate: b.o.learningRate } : {}),
      initialLosses: b.o.runs.map((r) => r.initial),
      finalLosses: b.finals,
      meanFinal: b.meanFinal,
      stdFinal: b.stdFinal,
      medianFinal: medianOf(b.finals),
      diverged: b.diverged,
      ...b.stats,
      secondsPerStep: b.secondsPerStep,
      normalizedLoss: orderMean(b.meanFinal) / orderMean(adam.meanFinal),
      stepsToAdamFinal: reach,
      secondsToAdamFinal: reach === null ? null : reach * b.secondsPerStep,
      speedUp,
      wallClockSpeedUp: wall,
      ...(b !== adam ? { vsAdam: compare(adam) } : {}),
      ...(b.o.type === 'learned' ? { vsBest: compare(best) } : {}),
    };
  });
  return {
    id: task.id,
    kind: task.kind,
    split: task.split,
    description: task.description,
    steps: task.steps,
    batchSize: task.batchSize,
    runs: task.runs,
    seed: task.seed,
    tuneSeed: task.tuneSeed,
    tuneProblems: task.tuneProblems,
    ...(task.longRunOf !== undefined ? { longRunOf: task.longRunOf } : {}),
    logY: task.logY,
    curveSteps: data.curveSteps,
    tuning: data.tunings,
    bestBaseline: best.o.name,
    optimizers,
  };
}

/** A mean for ordering: NaN counts as +∞. */
function orderMean(x: number): number {
  return Number.isNaN(x) ? Number.POSITIVE_INFINITY : x;
}

/** One learned optimizer over the tasks of a benchmark. */
export interface LearnedSummary {
  readonly name: string;
  /** Tasks counted in the rates: every task that is not a long-run variant. */
  readonly tasks: number;
  readonly winsVsTunedAdam: number;
  readonly winsVsBestTuned: number;
  /** Wins whose run-by-run sign test against tuned Adam gives p < 0.05. */
  readonly significantWinsVsTunedAdam: number;
  readonly winRateVsTunedAdam: number;
  readonly winRateVsBestTuned: number;
  readonly iqmNormalizedLoss: number;
  /** Median over tasks of the step speed-up (a task where Adam's final loss is never reached counts as 0). */
  readonly medianSpeedUp: number;
  readonly medianWallClockSpeedUp: number;
  /** Runs that diverged, over every task including the long-run variants. */
  readonly divergedRuns: number;
  readonly divergedTasks: readonly string[];
  /** The long-run (stability) variants: how many, and on how many it diverged at least once. */
  readonly longRunTasks: number;
  readonly longRunTasksDiverged: number;
}

export interface BenchmarkSummary {
  /** Every task of the benchmark, one entry each (long-run variants included, marked by `longRunOf`). */
  readonly tasks: ReadonlyArray<{
    readonly id: string;
    readonly kind: string;
    readonly steps: number;
    readonly longRunOf?: string;
    readonly tunedAdam: { readonly learningRate: number; readonly meanFinal: number };
    readonly bestTuned: { readonly name: string; readonly learningRate: number; readonly meanFinal: number };
    readonly learned: Readonly<
      Record<
        string,
        {
          readonly meanFinal: number;
          readonly normalizedLoss: number;
          readonly beatsTunedAdam: boolean;
          readonly beatsBestTuned: boolean;
          readonly winsVsTunedAdam: number;
          readonly winsVsBestTuned: number;
          readonly runs: number;
          readonly speedUp: number | null;
          readonly wallClockSpeedUp: number | null;
          readonly diverged: number;
        }
      >
    >;
  }>;
  /** Fraction of tasks (long-run variants excluded) where each learned optimizer beats tuned Adam, by name. */
  readonly winRateVsTunedAdam: Readonly<Record<string, number>>;
  /** The same against the best tuned baseline of each task. */
  readonly winRateVsBestTuned: Readonly<Record<string, number>>;
  /** Interquartile mean over tasks (long-run variants excluded) of the normalized loss, by name. */
  readonly iqmNormalizedLoss: Readonly<Record<string, number>>;
  /** Diverged runs over all tasks, long-run variants included, by name. */
  readonly diverged: Readonly<Record<string, number>>;
  readonly learned: readonly LearnedSummary[];
  /** How often each baseline was the best tuned one (long-run variants excluded). */
  readonly bestTunedCounts: Readonly<Record<string, number>>;
}

/** The summary over tasks, for every learned optimizer. */
export function summariseBenchmark(tasks: readonly TaskResult[], learned: readonly string[]): BenchmarkSummary {
  const main = tasks.filter((t) => t.longRunOf === undefined);
  const long = tasks.filter((t) => t.longRunOf !== undefined);
  const get = (t: TaskResult, name: string): OptimizerTaskResult => t.optimizers.find((o) => o.name === name)!;
  const summaries: LearnedSummary[] = learned.map((name) => {
    const rows = main.map((t) => get(t, name));
    const wA = rows.filter((r) => r.vsAdam?.beats).length;
    const wB = rows.filter((r) => r.vsBest?.beats).length;
    const sig = rows.filter((r) => r.vsAdam?.beats && r.vsAdam.wins > r.vsAdam.losses && r.vsAdam.pValue < 0.05).length;
    const all = tasks.map((t) => ({ t, r: get(t, name) }));
    return {
      name,
      tasks: main.length,
      winsVsTunedAdam: wA,
      winsVsBestTuned: wB,
      significantWinsVsTunedAdam: sig,
      winRateVsTunedAdam: main.length ? wA / main.length : Number.NaN,
      winRateVsBestTuned: main.length ? wB / main.length : Number.NaN,
      iqmNormalizedLoss: interquartileMean(rows.map((r) => r.normalizedLoss)),
      medianSpeedUp: medianOf(rows.map((r) => r.speedUp ?? 0)),
      medianWallClockSpeedUp: medianOf(rows.map((r) => r.wallClockSpeedUp ?? 0)),
      divergedRuns: all.reduce((s, x) => s + x.r.diverged, 0),
      divergedTasks: all.filter((x) => x.r.diverged > 0).map((x) => x.t.id),
      longRunTasks: long.length,
      longRunTasksDiverged: long.filter((t) => get(t, name).diverged > 0).length,
    };
  });
  const byName = (f: (s: LearnedSummary) => number): Record<string, number> =>
    Object.fromEntries(summaries.map((s) => [s.name, f(s)]));
  const bestTunedCounts: Record<string, number> = {};
  for (const t of main) bestTunedCounts[t.bestBaseline] = (bestTunedCounts[t.bestBaseline] ?? 0) + 1;
  return {
    tasks: tasks.map((t) => {
      const adam = get(t, 'adam');
      const best = get(t, t.bestBaseline);
      return {
        id: t.id,
        kind: t.kind,
        steps: t.steps,
        ...(t.longRunOf !== undefined ? { longRunOf: t.longRunOf } : {}),
        tunedAdam: { learningRate: adam.learningRate!, meanFinal: adam.meanFinal },
        bestTuned: { name: best.name, learningRate: best.learningRate!, meanFinal: best.meanFinal },
        learned: Object.fromEntries(
          learned.map((name) => {
            const r = get(t, name);
            return [
              name,
              {
                meanFinal: r.meanFinal,
                normalizedLoss: r.normalizedLoss,
                beatsTunedAdam: r.vsAdam?.beats ?? false,
                beatsBestTuned: r.vsBest?.beats ?? false,
                winsVsTunedAdam: r.vsAdam?.wins ?? 0,
                winsVsBestTuned: r.vsBest?.wins ?? 0,
                runs: t.runs,
                speedUp: r.speedUp,
                wallClockSpeedUp: r.wallClockSpeedUp,
                diverged: r.diverged,
              },
            ];
          }),
        ),
      };
    }),
    winRateVsTunedAdam: byName((s) => s.winRateVsTunedAdam),
    winRateVsBestTuned: byName((s) => s.winRateVsBestTuned),
    iqmNormalizedLoss: byName((s) => s.iqmNormalizedLoss),
    diverged: byName((s) => s.divergedRuns),
    learned: summaries,
    bestTunedCounts,
  };
}
