import {
  type BatchData,
  disposeMap,
  evaluate,
  type EvaluationResult,
  type OptimizeeFamily,
  optimizerForEvaluation,
} from '@l2o/core';
import { join } from 'node:path';
import { crc32, type EvaluateEntry, summarise } from '@l2o/core/extend';
import { BASELINE_NAMES, makeBaseline, tuneBaselines, type BaselineName, type TunedBaseline } from '@l2o/baselines';
import { UsageError, list, num, str, type FlagSpecs, type FlagValue } from '../args.js';
import { Progress, formatDuration } from '../progress.js';
import { ComparisonProgress } from './compare-progress.js';
import { TASK_FLAGS, loadLearned, makeFamily, type LoadedLearned } from '../registry.js';
import { writeEvaluationReport } from '../report.js';
import { lockOutput } from '../errors.js';

export const COMPARE_FLAGS: FlagSpecs = {
  ...TASK_FLAGS,
  learned: {
    type: 'list',
    help: 'trained optimizers: folders (from l2o train) or preset:NAME (shipped presets)',
    default: [],
  },
  baselines: {
    type: 'list',
    help: 'baselines to tune and compare',
    default: [...BASELINE_NAMES],
    choices: BASELINE_NAMES,
  },
  grid: {
    type: 'list',
    help: 'learning-rate grid (default: half-decades 1e-4…10, extended while the best is at an edge)',
    default: [],
  },
  'tune-problems': {
    type: 'integer',
    help: 'problems used to tune each baseline (disjoint from the test problems)',
    default: 20,
    min: 1,
  },
  problems: { type: 'integer', help: 'fresh test problems to average over', default: 100, min: 1 },
  steps: { type: 'integer', help: 'optimizer steps per problem', default: 100, min: 1 },
  seed: { type: 'integer', help: 'seed of the test problems (tuning uses seed + 1)', default: 2_000_003 },
  out: { type: 'string', help: 'folder for result.json, loss-curves.svg, report.md', default: 'runs/compare' },
  resume: {
    type: 'boolean',
    help: 'keep the finished tunings and test runs of an earlier, stopped comparison in --out (same settings) and do the rest',
  },
};

export interface CompareOutcome {
  readonly result: EvaluationResult;
  readonly tuned: { name: string; best: number; bestAtEdge: boolean; grid: number[] }[];
  /** Compute spent on the baselines' tuning and on the test runs, summed over sittings when resumed. */
  readonly wallSeconds?: { tuning: number; testRuns: number };
}

/** Test problems per kept chunk of a comparison (a resumed comparison redoes at most one chunk). */
const RUN_CHUNK = 5;

/** A file-name-safe key of a chunk of test runs (its range and optimizers, hashed). */
function runsKey(key: string): string {
  return `runs-${crc32(new TextEncoder().encode(key)).toString(16).padStart(8, '0')}`;
}

export async function compareOptimizers(
  family: OptimizeeFamily<BatchData>,
  tuneFamily: OptimizeeFamily<BatchData>,
  loaded: readonly LoadedLearned[],
  flags: Record<string, FlagValue>,
  title: string,
  notes = '',
): Promise<CompareOutcome> {
  const lock = lockOutput('--out', str(flags['out']), 'l2o compare');
  try {
    return await compareLocked(family, tuneFamily, loaded, flags, title, notes);
  } finally {
    lock.release();
  }
}

async function compareLocked(
  family: OptimizeeFamily<BatchData>,
  tuneFamily: OptimizeeFamily<BatchData>,
  loaded: readonly LoadedLearned[],
  flags: Record<string, FlagValue>,
  title: string,
  notes: string,
): Promise<CompareOutcome> {
  const names = list(flags['baselines']) as BaselineName[];
  const gridFlag = list(flags['grid']).map((g) => {
    const v = Number(g);
    if (!Number.isFinite(v) || v <= 0)
      throw new UsageError(`--grid: learning rates must be positive numbers, got "${g}"`);
    return v;
  });
  const steps = num(flags['steps']);
  const seed = num(flags['seed']);
  const tuneProblems = num(flags['tune-problems']);
  const out = str(flags['out']);
  const resume = Boolean(flags['resume']);
  const problems = num(flags['problems']);
  const fingerprint = JSON.stringify({
    title,
    family: family.name,
    tuneFamily: tuneFamily.name,
    // Every task flag (batch size, data folder, classes…), not only what the families' names encode.
    task: Object.fromEntries(Object.keys(TASK_FLAGS).map((k) => [k, flags[k] ?? null])),
    steps,
    seed,
    tuneProblems,
    grid: gridFlag,
  });
  // The learned optimizers' φ, checksummed: test runs kept from an earlier sitting are reused only for the same φ.
  const phiSums = loaded.map((l) =>
    Object.keys(l.metaParams)
      .sort()
      .map((k) => {
        const v = l.metaParams[k]!.dataSync<'float32'>();
        return crc32(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)).toString(16);
      })
      .join('.'),
  );
  const progressStore = new ComparisonProgress(join(out, 'progress'), fingerprint, resume);
  const started = performance.now();
  const seconds = { tuning: 0, testRuns: 0 };
  const tuned: TunedBaseline[] = [];
  for (const name of names) {
    const kept = progressStore.get<{ tuned: TunedBaseline; seconds: number }>(`tune-${name}`);
    if (kept) {
      process.stderr.write(`${name}: tuning kept from the earlier run (best lr ${kept.tuned.best})\n`);
      tuned.push(kept.tuned);
      seconds.tuning += kept.seconds;
      continue;
    }
    const t0 = performance.now();
    let bar: Progress | undefined;
    let barKey = '';
    const [t] = await tuneBaselines({
      names: [name],
      family: tuneFamily,
      problems: tuneProblems,
      steps,
      seed: seed + 1,
      ...(gridFlag.length > 0 ? { grid: gridFlag } : {}),
      onProgress: (p) => {
        const key = `${p.name}/${p.round}`;
        if (key !== barKey) {
          bar?.finish();
          barKey = key;
          const what =
            p.round === 0 ? `${p.learningRates.length} rates` : `round ${p.round}: ${p.learningRates.join(', ')}`;
          bar = new Progress({ label: `tune ${p.name} (${what})`, total: p.total });
        }
        bar?.update(p.done);
      },
    });
    bar?.finish();
    const spent = (performance.now() - t0) / 1000;
    progressStore.put(`tune-${name}`, { tuned: t!, seconds: spent });
    tuned.push(t!);
    seconds.tuning += spent;
  }
  for (const t of tuned) {
    const scores = t.scores
      .map((s) => `${s.learningRate}:${Number.isFinite(s.score) ? s.score.toPrecision(3) : 'diverged'}`)
      .join(' ');
    process.stderr.write(
      `${t.name.padEnd(8)} best lr ${t.best}${t.bestAtEdge ? ' (AT THE GRID EDGE: widen --grid)' : ''}  [${scores}]\n`,
    );
  }
  const entries: EvaluateEntry[] = [
    ...loaded.map((l) => ({ name: l.name, optimizer: optimizerForEvaluation(l.learned, l.metaParams) })),
    ...tuned.map((t) => ({
      name: `${t.name.toUpperCase()} (lr ${t.best})`,
      optimizer: makeBaseline(t.name as BaselineName, t.best),
    })),
  ];
  // The test runs in chunks of problems, each kept as it finishes (problem r is the same in whichever chunk).
  const chunks: EvaluationResult[] = [];
  const progress = new Progress({ label: 'evaluate', total: problems });
  for (let first = 0; first < problems; first += RUN_CHUNK) {
    const size = Math.min(RUN_CHUNK, problems - first);
    const key = `runs-${first}-${size}-${entries.map((e) => e.name).join(',')}-${phiSums.join(',')}`;
    const kept = progressStore.get<{ result: EvaluationResult; seconds: number }>(runsKey(key));
    if (kept) {
      chunks.push(kept.result);
      seconds.testRuns += kept.seconds;
      progress.update(first + size);
      continue;
    }
    const t0 = performance.now();
    const part = await evaluate({
      family,
      optimizers: entries,
      problems: size,
      firstProblem: first,
      steps,
      seed,
      onProgress: (d, total) => progress.update(first + Math.floor((d * size) / total)),
    });
    const spent = (performance.now() - t0) / 1000;
    progressStore.put(runsKey(key), { result: part, seconds: spent });
    chunks.push(part);
    seconds.testRuns += spent;
  }
  progress.finish();
  const result: EvaluationResult = {
    family: family.name,
    problems,
    steps,
    seed,
    curves: entries.map((e, i) =>
      summarise(
        e.name,
        chunks.flatMap((c) => c.curves[i]!.losses ?? []),
        steps,
      ),
    ),
  };
  process.stderr.write(
    `wall time: tuning ${formatDuration(seconds.tuning)}, test runs ${formatDuration(seconds.testRuns)} (this sitting ${formatDuration((performance.now() - started) / 1000)})\n`,
  );
  const tunedSummary = tuned.map((t) => ({
    name: t.name,
    best: t.best,
    bestAtEdge: t.bestAtEdge,
    grid: t.grid,
    scores: t.scores,
  }));
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : 'diverged');
  const spread = [
    '## Final-step distribution over test runs',
    '',
    '| optimizer | median | worst | runs worse than the start |',
    '| --- | ---: | ---: | ---: |',
    ...result.curves.map((c) => {
      const f = [...c.finalLosses].sort((a, b) => (Number.isNaN(a) ? 1 : Number.isNaN(b) ? -1 : a - b));
      const start = c.mean[0]!;
      return `| ${c.name} | ${fmt(c.median[steps]!)} | ${fmt(f[f.length - 1]!)} | ${c.finalLosses.filter((x) => !(x < start)).length} of ${f.length} |`;
    }),
    '',
    '## Tuning scores (mean loss at the last step on the tuning problems, per learning rate)',
    '',
    ...tuned.map((t) => `- ${t.name}: ${t.scores.map((x) => `${x.learningRate} → ${fmt(x.score)}`).join(', ')}`),
    '',
  ].join('\n');
  const protocol = [
    '## Protocol',
    '',
    `- Each baseline's learning rate was tuned on ${tuneProblems} problems drawn with seed ${seed + 1} from the validation split (disjoint from the test problems), by the mean loss at step ${steps}; the grid (half-decades) is extended while its best rate sits at an edge, then refined twice between the best rate and its neighbours.`,
    ...tuned.map(
      (t) => `- ${t.name}: best ${t.best} from [${t.grid.join(', ')}]${t.bestAtEdge ? ' — **at the grid edge**' : ''}`,
    ),
    `- Test: ${problems} fresh problems (seed ${seed}), identical θ₀ and data for every optimizer.`,
    '',
    notes,
    '',
    spread,
  ].join('\n');
  writeEvaluationReport(out, result, { title, meta: { tuned: tunedSummary, wallSeconds: seconds }, notes: protocol });
  return { result, tuned: tunedSummary, wallSeconds: seconds };
}

export async function runCompare(flags: Record<string, FlagValue>): Promise<void> {
  const family = makeFamily(flags, 'test');
  const loaded: LoadedLearned[] = [];
  try {
    for (const dir of list(flags['learned'])) loaded.push(loadLearned(dir));
    await compareOptimizers(
      family,
      makeFamily(flags, 'validation'),
      loaded,
      flags,
      `Learned optimizers against tuned baselines on ${family.name}`,
    );
  } finally {
    for (const l of loaded) disposeMap(l.metaParams);
  }
}
