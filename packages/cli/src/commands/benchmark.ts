import { disposeMap, optimizerForEvaluation } from '@l2o/core';
import { formatNumber, formatTable } from '@l2o/report';
import { BASELINE_NAMES, type BaselineName } from '@l2o/baselines';
import {
  TASK_SPLITS,
  benchmark,
  defaultSuite,
  defineTask,
  learnedFingerprint,
  selectTasks,
  writeBenchmarkReport,
  type BenchmarkResult,
  type BenchmarkTask,
  type TaskSplit,
} from '@l2o/benchmark';
import { UsageError, list, num, str, type FlagSpecs, type FlagValue } from '../args.js';
import { Progress } from '../progress.js';
import { loadLearned, type LoadedLearned } from '../registry.js';

export const BENCHMARK_FLAGS: FlagSpecs = {
  learned: {
    type: 'list',
    help: 'learned optimizers to run untuned: folders (from l2o train) or preset:NAME (shipped presets)',
    default: [],
  },
  split: {
    type: 'string',
    help: 'which tasks: test (reported), validation (for choosing recipes) or train (meta-training tasks)',
    default: 'test',
    choices: TASK_SPLITS,
  },
  tasks: { type: 'list', help: 'task ids to run (default: every task of the split)', default: [] },
  baselines: {
    type: 'list',
    help: 'baselines to tune per task (adam is required: it is the reference)',
    default: [...BASELINE_NAMES],
    choices: BASELINE_NAMES,
  },
  grid: {
    type: 'list',
    help: 'learning rates to start each tuning from (default: half-decades 1e-4…10, extended while the best is at an edge)',
    default: [],
  },
  'divergence-factor': {
    type: 'number',
    help: 'a run diverged when a loss is not finite or it ends above this many times its start',
    default: 10,
    min: 1.000001,
  },
  runs: {
    type: 'integer',
    help: "reported runs per task (0: each task's own, 20 in the default suite; fewer only for quick looks)",
    default: 0,
    min: 0,
  },
  'tune-problems': {
    type: 'integer',
    help: "problems per learning rate when tuning (0: each task's own)",
    default: 0,
    min: 0,
  },
  title: { type: 'string', help: 'title of the report', default: 'l2o benchmark' },
  out: {
    type: 'string',
    help: 'folder for report.md, curves.svg, result.json, summary.json and the resume cache',
    default: 'runs/benchmark',
  },
};

/** The command line that reproduces a run with these flags (for the report). */
export function benchmarkCommand(flags: Record<string, FlagValue>): string {
  const parts = ['l2o benchmark'];
  if (list(flags['learned']).length > 0) parts.push(`--learned ${list(flags['learned']).join(',')}`);
  parts.push(`--split ${str(flags['split'])}`);
  if (list(flags['tasks']).length > 0) parts.push(`--tasks ${list(flags['tasks']).join(',')}`);
  const baselines = list(flags['baselines']);
  if (baselines.join(',') !== BASELINE_NAMES.join(',')) parts.push(`--baselines ${baselines.join(',')}`);
  if (list(flags['grid']).length > 0) parts.push(`--grid ${list(flags['grid']).join(',')}`);
  if (num(flags['divergence-factor']) !== 10) parts.push(`--divergence-factor ${num(flags['divergence-factor'])}`);
  if (num(flags['runs']) > 0) parts.push(`--runs ${num(flags['runs'])}`);
  if (num(flags['tune-problems']) > 0) parts.push(`--tune-problems ${num(flags['tune-problems'])}`);
  parts.push(`--out ${str(flags['out'])}`);
  return parts.join(' ');
}

/** Runs the default suite's tasks of a split with tuned baselines and the given learned optimizers; writes the report. */
export async function runBenchmark(flags: Record<string, FlagValue>): Promise<BenchmarkResult> {
  const split = str(flags['split']) as TaskSplit;
  let tasks: BenchmarkTask[];
  try {
    tasks = selectTasks(defaultSuite(), { split, ids: list(flags['tasks']) });
  } catch (e) {
    throw new UsageError(`--tasks: ${e instanceof Error ? e.message.replace(/^tasks: /, '') : String(e)}`);
  }
  const runs = num(flags['runs']);
  const tuneProblems = num(flags['tune-problems']);
  if (runs > 0 || tuneProblems > 0) {
    tasks = tasks.map((t) =>
      defineTask({ ...t, ...(runs > 0 ? { runs } : {}), ...(tuneProblems > 0 ? { tuneProblems } : {}) }),
    );
  }
  const baselines = list(flags['baselines']) as BaselineName[];
  if (!baselines.includes('adam')) {
    throw new UsageError('--baselines: must include adam (normalized losses and speed-ups are relative to tuned Adam)');
  }
  const grid = list(flags['grid']).map((g) => {
    const v = Number(g);
    if (!Number.isFinite(v) || v <= 0)
      throw new UsageError(`--grid: learning rates must be positive numbers, got "${g}"`);
    return v;
  });
  const specs = list(flags['learned']);
  if (new Set(specs).size !== specs.length) throw new UsageError('--learned: an optimizer is listed twice');
  const loaded: LoadedLearned[] = specs.map((spec) => loadLearned(spec, '--learned'));
  const out = str(flags['out']);
  const command = benchmarkCommand(flags);
  try {
    let bar: Progress | undefined;
    const started = new Set<string>();
    process.stderr.write(
      `${tasks.length} tasks (${split}); baselines ${baselines.join(', ')} tuned per task; learned: ${specs.join(', ') || 'none'}\n`,
    );
    const result = await benchmark({
      tasks,
      baselines,
      learned: loaded.map((l, i) => ({
        name: specs[i]!,
        optimizer: optimizerForEvaluation(l.learned, l.metaParams),
        cacheKey: learnedFingerprint(l.learned, l.metaParams),
      })),
      outDir: out,
      ...(grid.length > 0 ? { grid } : {}),
      divergenceFactor: num(flags['divergence-factor']),
      onProgress: (p) => {
        bar ??= new Progress({ label: 'benchmark', total: p.totalSteps });
        if (!started.has(p.task)) {
          started.add(p.task);
          bar.log(`[${p.taskIndex}/${p.tasks}] ${p.task}`);
        }
        bar.update(p.doneSteps, `${p.task}: ${p.detail}`, Number.isFinite(p.etaSeconds) ? p.etaSeconds : undefined);
      },
      onTask: (t) => {
        const adam = t.optimizers.find((o) => o.name === 'adam')!;
        const cells = t.optimizers
          .filter((o) => o.type === 'learned')
          .map(
            (o) => `${o.name} ×${formatNumber(o.normalizedLoss, 3)}${o.diverged ? ` (diverged ${o.diverged})` : ''}`,
          );
        const line = `  ${t.id}: tuned Adam ${formatNumber(adam.meanFinal, 4)} (lr ${adam.learningRate}), best ${t.bestBaseline}${cells.length ? `; ${cells.join(', ')}` : ''}`;
        if (bar) bar.log(line);
        else process.stderr.write(`${line}\n`);
      },
    });
    bar?.finish();
    const paths = writeBenchmarkReport(out, result, { title: str(flags['title']), command });
    printSummary(result);
    process.stdout.write(`wrote ${paths.report}\n      ${paths.svg}\n      ${paths.result}\n      ${paths.summary}\n`);
    return result;
  } finally {
    for (const l of loaded) disposeMap(l.metaParams);
  }
}

function printSummary(result: BenchmarkResult): void {
  const s = result.summary;
  if (s.learned.length === 0) {
    process.stdout.write(`\n${result.tasks.length} tasks; tuned baselines only (no --learned).\n`);
    return;
  }
  const pct = (k: number, n: number): string => `${k}/${n}`;
  const table = formatTable(
    [
      'learned optimizer',
      'beats tuned Adam',
      'beats best tuned',
      'IQM normalized loss',
      'median speed-up',
      'diverged runs',
    ],
    s.learned.map((l) => [
      l.name,
      pct(l.winsVsTunedAdam, l.tasks),
      pct(l.winsVsBestTuned, l.tasks),
      formatNumber(l.iqmNormalizedLoss, 3),
      `${formatNumber(l.medianSpeedUp, 2)}×`,
      String(l.divergedRuns),
    ]),
    'text',
  );
  process.stdout.write(`\n${table}\n`);
}
