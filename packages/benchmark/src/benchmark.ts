import { type BatchData, evaluate, L2oError, type OptimizeeFamily, type Optimizer, type TensorMap } from '@l2o/core';
import type { InitContext } from '@l2o/core/extend';
import {
  BASELINE_NAMES,
  DEFAULT_LEARNING_RATE_GRID,
  makeBaseline,
  parseBaselineName,
  tuneLearningRate,
  type BaselineName,
} from '@l2o/baselines';
import { summariseTask, summariseBenchmark, type BenchmarkSummary, type TaskResult } from './results.js';
import { BenchmarkStore, curveSteps, roundCurvePoint, type RunRecord, type TuningRecord } from './store.js';
import type { BenchmarkTask, DataSplit } from './task.js';

/** A learned optimizer to benchmark: run untuned, as it is. */
export interface BenchmarkLearnedEntry {
  /** Its label in tables, plots and summaries, e.g. `preset:general`. Unique. */
  readonly name: string;
  readonly optimizer: Optimizer;
  /**
   * What identifies these exact weights for resuming (default: `name`). Stored runs are reused only under the same
   * key, so give a content hash (the CLI hashes kind, config and φ) when a name may be reused for new weights.
   */
  readonly cacheKey?: string;
}

/** Progress of a benchmark: one event per finished unit of work (a tuning, a run of one optimizer). */
export interface BenchmarkProgress {
  readonly phase: 'tune' | 'run';
  readonly task: string;
  /** 1-based index of the task and the number of tasks. */
  readonly taskIndex: number;
  readonly tasks: number;
  /** What just finished, e.g. `adam: best lr 0.003` or `run 7/20`. */
  readonly detail: string;
  /** Work done and total, in optimizer steps (a tuning counts its estimated steps; cached work counts as done). */
  readonly doneSteps: number;
  readonly totalSteps: number;
  readonly elapsedSeconds: number;
  /** From the rate of the work done in this session; NaN until something was computed. */
  readonly etaSeconds: number;
}

export interface BenchmarkOptions {
  /** The tasks to run, in order (e.g. `selectTasks(defaultSuite(), { split: 'test' })`). Ids must be unique. */
  readonly tasks: readonly BenchmarkTask[];
  /** Learned optimizers, run untuned on every task. Default none (baselines only). */
  readonly learned?: readonly BenchmarkLearnedEntry[];
  /** Baselines tuned per task; must include 'adam'. Default sgd, nag, rmsprop, adam. */
  readonly baselines?: readonly BaselineName[];
  /** Folder of the resume store (`cache/`); `writeBenchmarkReport` writes the report there too. */
  readonly outDir: string;
  /** Initial learning-rate grid (extended at its edges until the best rate is inside). Default 1e-4…10 by half-decades. */
  readonly grid?: readonly number[];
  /** Most learning rates added at the edges per tuning (default 4). */
  readonly maxExtensions?: number;
  /** Refinement rounds between the best rate and its neighbours (default 2: within ×1.33 of the grid optimum). */
  readonly refine?: number;
  /** A run diverged when a loss is not finite or the final loss exceeds `divergenceFactor` × the start (default 10). */
  readonly divergenceFactor?: number;
  readonly onProgress?: (progress: BenchmarkProgress) => void;
  /** Called when a task is complete, with its result. */
  readonly onTask?: (result: TaskResult) => void;
}

/** Everything a benchmark measured. */
export interface BenchmarkResult {
  readonly settings: {
    readonly baselines: readonly BaselineName[];
    readonly learned: readonly string[];
    readonly grid: readonly number[];
    readonly maxExtensions: number;
    readonly refine: number;
    readonly divergenceFactor: number;
    readonly tuneMetric: 'final';
  };
  readonly tasks: readonly TaskResult[];
  readonly summary: BenchmarkSummary;
}

/** Rates a tuning is expected to try: the initial grid plus refinements (for progress estimates only). */
function expectedRates(grid: readonly number[], refine: number): number {
  return grid.length + 2 * refine + 1;
}

/**
 * Runs the benchmark: for every task, tunes each baseline's learning rate on the task's tuning problems
 * (`task.tuneProblems` problems from `task.tuneSeed` on validation data, disjoint from the reported runs), then runs
 * every learned optimizer (untuned) and every tuned baseline on the same `task.runs` problems (identical θ₀ and
 * minibatches for all), timing each run. Finished tunings and runs are kept in `outDir/cache` and reused: a killed
 * benchmark continues where it stopped, and adding a learned optimizer reruns nothing else.
 */
export async function benchmark(options: BenchmarkOptions): Promise<BenchmarkResult> {
  const o = checkOptions(options);
  const store = new BenchmarkStore(o.outDir);
  const steps = (t: BenchmarkTask): number => t.steps;
  const totalSteps = o.tasks.reduce(
    (s, t) =>
      s +
      o.baselines.length * expectedRates(o.grid, o.refine) * t.tuneProblems * steps(t) +
      t.runs * steps(t) * (o.baselines.length + o.learned.length),
    0,
  );
  const start = performance.now();
  let done = 0;
  let computed = 0;
  let computedSeconds = 0;
  const report = (
    phase: 'tune' | 'run',
    task: BenchmarkTask,
    taskIndex: number,
    detail: string,
    work: number,
    seconds: number | null,
  ): void => {
    done += work;
    if (seconds !== null) {
      computed += work;
      computedSeconds += seconds;
    }
    const rate = computed > 0 ? computedSeconds / computed : Number.NaN;
    o.onProgress?.({
      phase,
      task: task.id,
      taskIndex: taskIndex + 1,
      tasks: o.tasks.length,
      detail,
      doneSteps: done,
      totalSteps,
      elapsedSeconds: (performance.now() - start) / 1000,
      etaSeconds: rate * Math.max(0, totalSteps - done),
    });
  };

  const results: TaskResult[] = [];
  for (let ti = 0; ti < o.tasks.length; ti++) {
    const task = o.tasks[ti]!;
    const families = new Map<DataSplit, OptimizeeFamily<BatchData>>();
    const familyOf = (data: DataSplit): OptimizeeFamily<BatchData> => {
      let f = families.get(data);
      if (!f) {
        f = task.family(data);
        if (!f || typeof f.sample !== 'function') {
          throw new L2oError('INVALID_OPTION', `task "${task.id}".family('${data}') must return an OptimizeeFamily`);
        }
        families.set(data, f);
      }
      return f;
    };

    // 1. Tune every baseline on the tuning problems.
    const tunings = new Map<BaselineName, TuningRecord>();
    for (const baseline of o.baselines) {
      const tuneFamily = familyOf('validation');
      const key = JSON.stringify({
        v: 1,
        task: task.id,
        family: tuneFamily.name,
        baseline,
        grid: o.grid,
        steps: task.steps,
        problems: task.tuneProblems,
        seed: task.tuneSeed,
        maxExtensions: o.maxExtensions,
        refine: o.refine,
        metric: 'final',
      });
      const estimate = expectedRates(o.grid, o.refine) * task.tuneProblems * task.steps;
      let record = store.readTuning(task.id, baseline, key);
      if (record) {
        report('tune', task, ti, `${baseline}: best lr ${record.best} (stored)`, estimate, null);
      } else {
        const t0 = performance.now();
        const tuned = await tuneLearningRate({
          name: baseline,
          make: (lr) => makeBaseline(baseline, lr),
          family: tuneFamily,
          problems: task.tuneProblems,
          steps: task.steps,
          seed: task.tuneSeed,
          grid: o.grid,
          metric: 'final',
          maxExtensions: o.maxExtensions,
          refine: o.refine,
        });
        const seconds = (performance.now() - t0) / 1000;
        record = {
          baseline,
          best: tuned.best,
          bestScore: tuned.bestScore,
          bestAtEdge: tuned.bestAtEdge,
          scores: tuned.scores,
          initialGrid: [...o.grid],
          extended: tuned.extended,
          refined: tuned.refined,
          seconds,
        };
        store.writeTuning(task.id, baseline, key, record);
        report('tune', task, ti, `${baseline}: best lr ${record.best}`, estimate, seconds);
      }
      tunings.set(baseline, record);
    }

    // 2. The reported runs: every optimizer on the same problems, each run kept as soon as it is done.
    const testFamily = familyOf('test');
    const entries = [
      ...o.learned.map((l) => ({
        name: l.name,
        type: 'learned' as const,
        learningRate: undefined,
        identity: `learned:${l.cacheKey ?? l.name}`,
        make: () => l.optimizer,
      })),
      ...o.baselines.map((b) => {
        const lr = tunings.get(b)!.best;
        return {
          name: b,
          type: 'baseline' as const,
          learningRate: lr,
          identity: `baseline:${b}@${lr}`,
          make: () => makeBaseline(b, lr),
        };
      }),
    ];
    const keys = entries.map((e) =>
      JSON.stringify({
        v: 1,
        task: task.id,
        family: testFamily.name,
        steps: task.steps,
        seed: task.seed,
        optimizer: e.identity,
      }),
    );
    const stored = entries.map((e, i) => store.readRuns(task.id, e.name, keys[i]!));
    const grid = curveSteps(task.steps);
    for (let r = 0; r < task.runs; r++) {
      const missing = entries.map((_, i) => i).filter((i) => !stored[i]!.has(r));
      const cached = entries.length - missing.length;
      if (cached > 0) report('run', task, ti, `run ${r + 1}/${task.runs} (stored)`, cached * task.steps, null);
      if (missing.length === 0) continue;
      const timers = missing.map((i) => timed(entries[i]!.make()));
      const t0 = performance.now();
      const res = await evaluate({
        family: testFamily,
        optimizers: missing.map((i, j) => ({ name: entries[i]!.name, optimizer: timers[j]!.optimizer })),
        problems: 1,
        firstProblem: r,
        steps: task.steps,
        seed: task.seed,
      });
      const seconds = (performance.now() - t0) / 1000;
      missing.forEach((i, j) => {
        const losses = res.curves[j]!.losses![0]!;
        let firstNonFinite: number | null = null;
        for (let t = 0; t < losses.length; t++) {
          if (!Number.isFinite(losses[t]!)) {
            firstNonFinite = t;
            break;
          }
        }
        const rec: RunRecord = {
          initial: losses[0]!,
          final: losses[task.steps]!,
          firstNonFinite,
          curve: grid.map((t) => roundCurvePoint(losses[t]!)),
          seconds: Number(timers[j]!.seconds().toPrecision(4)),
        };
        stored[i]!.set(r, rec);
        store.writeRuns(task.id, entries[i]!.name, keys[i]!, stored[i]!);
      });
      report('run', task, ti, `run ${r + 1}/${task.runs}`, missing.length * task.steps, seconds);
    }

    const result = summariseTask(task, {
      curveSteps: grid,
      tunings: o.baselines.map((b) => tunings.get(b)!),
      optimizers: entries.map((e, i) => ({
        name: e.name,
        type: e.type,
        ...(e.learningRate !== undefined ? { learningRate: e.learningRate } : {}),
        runs: Array.from({ length: task.runs }, (_, r) => stored[i]!.get(r)!),
      })),
      divergenceFactor: o.divergenceFactor,
    });
    results.push(result);
    o.onTask?.(result);
  }
  return {
    settings: {
      baselines: o.baselines,
      learned: o.learned.map((l) => l.name),
      grid: o.grid,
      maxExtensions: o.maxExtensions,
      refine: o.refine,
      divergenceFactor: o.divergenceFactor,
      tuneMetric: 'final',
    },
    tasks: results,
    summary: summariseBenchmark(
      results,
      o.learned.map((l) => l.name),
    ),
  };
}

/**
 * The optimizer with a stopwatch: `seconds()` is the time from `init` to the end of the last `update`, i.e. the
 * run's steps (minibatch, loss and gradient, update) without the final loss evaluation.
 */
function timed(optimizer: Optimizer): { optimizer: Optimizer; seconds: () => number } {
  let t0 = 0;
  let t1 = 0;
  return {
    optimizer: {
      name: optimizer.name,
      init(params: TensorMap, context?: InitContext) {
        t0 = performance.now();
        t1 = t0;
        return optimizer.init(params, context);
      },
      update(grads, state, params) {
        const step = optimizer.update(grads, state, params);
        t1 = performance.now();
        return step;
      },
    },
    seconds: () => (t1 - t0) / 1000,
  };
}

interface CheckedOptions {
  readonly tasks: readonly BenchmarkTask[];
  readonly learned: readonly BenchmarkLearnedEntry[];
  readonly baselines: readonly BaselineName[];
  readonly outDir: string;
  readonly grid: readonly number[];
  readonly maxExtensions: number;
  readonly refine: number;
  readonly divergenceFactor: number;
  readonly onProgress?: (progress: BenchmarkProgress) => void;
  readonly onTask?: (result: TaskResult) => void;
}

function checkOptions(options: BenchmarkOptions): CheckedOptions {
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', 'benchmark: options must be an object');
  const { tasks, outDir } = options;
  if (!Array.isArray(tasks) || tasks.length === 0)
    throw new L2oError('INVALID_OPTION', 'benchmark: tasks must be a non-empty array of tasks');
  const ids = new Set<string>();
  for (const t of tasks) {
    if (ids.has(t.id)) throw new L2oError('INVALID_OPTION', `benchmark: task "${t.id}" is listed twice`);
    ids.add(t.id);
  }
  if (typeof outDir !== 'string' || outDir === '')
    throw new L2oError('INVALID_OPTION', 'benchmark: outDir must be a folder path');
  const learned = options.learned ?? [];
  const names = new Set<string>();
  learned.forEach((l, i) => {
    if (!l || typeof l.name !== 'string' || l.name === '') {
      throw new L2oError('INVALID_OPTION', `benchmark: learned[${i}].name must be a non-empty string`);
    }
    if (names.has(l.name) || (BASELINE_NAMES as readonly string[]).includes(l.name)) {
      throw new L2oError(
        'INVALID_OPTION',
        `benchmark: learned[${i}].name "${l.name}" is used twice or is a baseline's name`,
      );
    }
    names.add(l.name);
    if (!l.optimizer || typeof l.optimizer.init !== 'function' || typeof l.optimizer.update !== 'function') {
      throw new L2oError(
        'INVALID_OPTION',
        `benchmark: learned[${i}].optimizer must be an Optimizer (with init and update methods)`,
      );
    }
  });
  const baselines = (options.baselines ?? BASELINE_NAMES).map((b, i) =>
    parseBaselineName(b, `benchmark: baselines[${i}]`),
  );
  if (new Set(baselines).size !== baselines.length)
    throw new L2oError('INVALID_OPTION', 'benchmark: baselines lists a baseline twice');
  if (!baselines.includes('adam')) {
    throw new L2oError(
      'INVALID_OPTION',
      'benchmark: baselines must include adam (normalized losses and speed-ups are relative to tuned Adam)',
    );
  }
  const grid = [...(options.grid ?? DEFAULT_LEARNING_RATE_GRID)];
  grid.forEach((g, i) => {
    if (!(typeof g === 'number' && Number.isFinite(g) && g > 0)) {
      throw new L2oError('INVALID_OPTION', `benchmark: grid[${i}] must be a learning rate > 0, got ${String(g)}`);
    }
  });
  const maxExtensions = options.maxExtensions ?? 4;
  const refine = options.refine ?? 2;
  for (const [name, v] of [
    ['maxExtensions', maxExtensions],
    ['refine', refine],
  ] as const) {
    if (!Number.isInteger(v) || v < 0)
      throw new L2oError('INVALID_OPTION', `benchmark: ${name} must be an integer ≥ 0, got ${String(v)}`);
  }
  const divergenceFactor = options.divergenceFactor ?? 10;
  if (!(typeof divergenceFactor === 'number' && Number.isFinite(divergenceFactor) && divergenceFactor > 1)) {
    throw new L2oError(
      'INVALID_OPTION',
      `benchmark: divergenceFactor must be a number > 1, got ${String(divergenceFactor)}`,
    );
  }
  return {
    tasks,
    learned,
    baselines,
    outDir,
    grid,
    maxExtensions,
    refine,
    divergenceFactor,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.onTask ? { onTask: options.onTask } : {}),
  };
}
