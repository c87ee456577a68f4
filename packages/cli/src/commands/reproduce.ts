import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { disposeMap, engineInfo, type EvaluationResult, L2oError } from '@l2o/core';
import { evaluationTable, lossCurvesSvg } from '@l2o/report';
import { ensureDirectory, writeFileAtomic } from '@l2o/core/node';
import { UsageError, list, num, str, type FlagSpecs, type FlagValue } from '../args.js';
import { withFlag } from '../errors.js';
import { compactJson } from '../report.js';
import { formatDuration } from '../progress.js';
import { LSTM_FLAGS, TASK_FLAGS, loadLearned, makeFamily, type LoadedLearned } from '../registry.js';
import { HYPER_PRESETS } from '@l2o/optimizer-hyper';
import { CIFAR_STUDY_DEFAULTS, reproduceCifar } from './reproduce-cifar.js';
import { compareOptimizers, type CompareOutcome } from './compare.js';
import { runTrain, TRAIN_FLAGS } from './train.js';

export const REPRODUCE_EXPERIMENTS = ['quadratic', 'mnist', 'cifar'] as const;

export const REPRODUCE_FLAGS: FlagSpecs = {
  ...LSTM_FLAGS,
  optimizer: {
    ...LSTM_FLAGS['optimizer']!,
    default: undefined,
    help: 'learned optimizer architecture (default: lstm; cifar hyper, started from --init preset:general)',
  },
  estimator: {
    ...TRAIN_FLAGS['estimator']!,
    default: undefined,
    help: 'meta-gradient estimator (default: bptt; cifar pes)',
  },
  'pes-sigma': {
    ...TRAIN_FLAGS['pes-sigma']!,
    default: undefined,
    help: 'pes: standard deviation of the perturbations of φ (default: 0.01; cifar 0.03)',
  },
  'tasks-per-step': {
    ...TRAIN_FLAGS['tasks-per-step']!,
    default: undefined,
    help: 'problems per meta-step, meta-gradients averaged (default: 1; cifar 2)',
  },
  'loss-transform': {
    ...TRAIN_FLAGS['loss-transform']!,
    default: undefined,
    help: 'per-problem transform of the meta-objective (default: none; cifar log)',
  },
  'loss-weights': {
    ...TRAIN_FLAGS['loss-weights']!,
    default: undefined,
    help: 'meta-loss weights over the steps (default: uniform)',
  },
  'validation-metric': {
    ...TRAIN_FLAGS['validation-metric']!,
    default: undefined,
    help: 'score that picks the kept φ (default: mean)',
  },
  'extra-learned': {
    type: 'list',
    help: 'cifar: further trained optimizers or presets shown untuned in every row (default: preset:general)',
  },
  epochs: { type: 'integer', help: 'meta-training epochs (default: quadratic 300, mnist 200, cifar 30)', min: 1 },
  'meta-lr': {
    type: 'number',
    help: 'Adam learning rate on φ (default: quadratic 0.005, mnist 0.001 as the paper, cifar 0.005)',
    above: 0,
  },
  'meta-lr-schedule': {
    ...TRAIN_FLAGS['meta-lr-schedule']!,
    default: undefined,
    help: 'schedule of the meta learning rate (cosine ends at ×0.1) (default: constant; cifar cosine)',
  },
  seed: TRAIN_FLAGS['seed']!,
  'validate-every': {
    ...TRAIN_FLAGS['validate-every']!,
    default: undefined,
    help: 'validate and checkpoint every N epochs (default: 10; cifar 3)',
  },
  'validation-problems': {
    ...TRAIN_FLAGS['validation-problems']!,
    default: undefined,
    help: 'held-out problems per validation (default: 10; cifar 6)',
  },
  runs: { type: 'integer', help: 'fresh test problems per row (default: 100; cifar 20)', min: 1 },
  'cifar-dir': TASK_FLAGS['cifar-dir']!,
  'batch-size': { type: 'integer', help: 'cifar: minibatch size (default: 32)', min: 1 },
  horizon: { type: 'integer', help: 'cifar: optimizee steps per meta-training epoch (default: 50)', min: 1 },
  unroll: { type: 'integer', help: 'cifar: steps per truncated-BPTT unroll (default: 10)', min: 1 },
  steps: { type: 'integer', help: 'cifar: optimizer steps per test run (default: 50)', min: 1 },
  rows: {
    type: 'list',
    help: 'mnist: which rows to run (1: 1×20 sigmoid to 200 steps, 2: 1×40, 3: 2×20, 4: ReLU, 5: 1×20 sigmoid to 100 steps with the baselines tuned for step 100); the report covers every row present in --out',
    default: ['1', '2', '3', '4', '5'],
  },
  title: { type: 'string', help: 'mnist: title of the report (default: the paper reproduction)', default: '' },
  grid: {
    type: 'list',
    help: 'starting learning-rate grid for the baselines (extended at the edges, then refined)',
    default: ['0.001', '0.003', '0.01', '0.03', '0.1', '0.3', '1', '3'],
  },
  'tune-problems': {
    type: 'integer',
    help: 'validation problems used to tune each baseline (default: 10; cifar 2)',
    min: 1,
  },
  'skip-train': {
    type: 'string',
    help: 'use this trained optimizer folder instead of meta-training (cifar with full CIFAR-10: two folders, LSTM,LSTM-sub)',
    default: '',
  },
  out: {
    type: 'string',
    help: 'report folder (default: docs/results/quadratic, docs/results/mnist-paper, docs/results/cifar)',
    default: '',
  },
  resume: TRAIN_FLAGS['resume']!,
};

interface Row {
  readonly label: string;
  readonly flags: Record<string, FlagValue>;
  readonly steps: number;
  readonly reportSteps: number[];
}

/** `l2o reproduce mnist`: the paper's MNIST experiment and its generalization rows, as a report. */
export async function runReproduce(experiment: string, given: Record<string, FlagValue>): Promise<void> {
  if (!(REPRODUCE_EXPERIMENTS as readonly string[]).includes(experiment)) {
    throw new UsageError(
      `reproduce: unknown experiment "${experiment}"; allowed values: ${REPRODUCE_EXPERIMENTS.join(', ')}`,
    );
  }
  if (experiment === 'cifar') {
    // An architecture named without --init is trained from scratch: the preset start only goes with the default.
    const { init: _init, ...fromScratch } = CIFAR_STUDY_DEFAULTS;
    const own = given['optimizer'] !== undefined && given['init'] === undefined;
    return reproduceCifar(withDefaults(given, own ? fromScratch : CIFAR_STUDY_DEFAULTS));
  }
  const quad = experiment === 'quadratic';
  const flags = withDefaults(given, {
    optimizer: 'lstm',
    'validate-every': 10,
    epochs: quad ? 300 : 200,
    'meta-lr': quad ? 0.005 : 0.001,
    'meta-lr-schedule': 'constant',
    'validation-problems': 10,
    runs: 100,
    'tune-problems': 10,
  });
  if (experiment === 'quadratic') return reproduceQuadratic(flags);
  const out = resolve(str(flags['out']) || 'docs/results/mnist-paper');
  withFlag('--out', out, () => ensureDirectory(out));
  const base: Record<string, FlagValue> = {
    ...flags,
    task: 'mnist',
    'mlp-hidden': ['20'],
    activation: 'sigmoid',
    'batch-size': 128,
    horizon: 100,
    unroll: 20,
  };
  const started = performance.now();
  let optimizerDir = str(flags['skip-train']);
  let trainSeconds = Number.NaN;
  let trainSummary = describeTraining(optimizerDir);
  if (!optimizerDir) {
    const t = await runTrain({ ...base, out: join(out, 'train') });
    optimizerDir = t.optimizerDir;
    trainSeconds = t.result.wallSeconds;
    trainSummary = `${t.result.epochsDone} epochs in ${formatDuration(trainSeconds)}; best validation ${t.result.bestValidation.toPrecision(4)} at epoch ${t.result.bestEpoch}`;
  }
  // A shipped hyper preset (e.g. preset:general) never saw these networks: every row tests generalization.
  const untrainedHere = isHyperPreset(optimizerDir);
  const rows: Row[] = [
    {
      label: untrainedHere ? '1×20 sigmoid' : '1×20 sigmoid (trained on this)',
      flags: base,
      steps: 200,
      reportSteps: [100, 200],
    },
    { label: '1×40 sigmoid', flags: { ...base, 'mlp-hidden': ['40'] }, steps: 100, reportSteps: [100] },
    { label: '2×20 sigmoid', flags: { ...base, 'mlp-hidden': ['20', '20'] }, steps: 100, reportSteps: [100] },
    { label: '1×20 ReLU', flags: { ...base, activation: 'relu' }, steps: 100, reportSteps: [100] },
    // Row 1's baselines are tuned for step 200; here each is tuned for step 100 (its best rate at that step).
    { label: '1×20 sigmoid, baselines tuned for step 100', flags: base, steps: 100, reportSteps: [100] },
  ];
  const wanted = new Set(list(flags['rows']).map((r) => Number(r)));
  for (const r of wanted) {
    if (!Number.isInteger(r) || r < 1 || r > rows.length)
      throw new UsageError(`--rows: rows are 1…${rows.length}, got "${r}"`);
  }
  for (const [i, row] of rows.entries()) {
    if (!wanted.has(i + 1)) continue;
    const loaded = loadLearned(optimizerDir, str(flags['skip-train']) ? '--skip-train' : '--out');
    const rowOut = join(out, `row-${i + 1}`);
    process.stderr.write(
      `\n== ${row.label}: tuning baselines on the validation split, then ${num(flags['runs'])} test runs ==\n`,
    );
    // Each baseline is tuned for the row's last step (the paper tunes every baseline per problem).
    await compareOptimizers(
      makeFamily(row.flags, 'test'),
      makeFamily(row.flags, 'validation'),
      [{ ...loaded, name: learnedLabel(loaded) }],
      {
        ...row.flags,
        baselines: ['sgd', 'rmsprop', 'adam', 'nag'],
        grid: list(flags['grid']),
        'tune-problems': num(flags['tune-problems']),
        problems: num(flags['runs']),
        steps: row.steps,
        seed: 2_000_003 + i * 10,
        out: rowOut,
        resume: Boolean(flags['resume']),
      },
      `MNIST ${row.label}`,
    );
    disposeMap(loaded.metaParams);
  }
  // The report covers every row whose results are in `out` (rows can be run in separate processes).
  const sections: string[] = [];
  const summary: string[][] = [];
  const compute = { tuning: 0, testRuns: 0, rows: 0 };
  const results: { label: string; result: EvaluationResult; tuned: CompareOutcome['tuned'] }[] = [];
  for (const [i, row] of rows.entries()) {
    const file = join(out, `row-${i + 1}`, 'result.json');
    if (!existsSync(file)) continue;
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {
      result: EvaluationResult;
      tuned: CompareOutcome['tuned'];
      wallSeconds?: { tuning: number; testRuns: number };
    };
    if (saved.wallSeconds) {
      compute.tuning += saved.wallSeconds.tuning;
      compute.testRuns += saved.wallSeconds.testRuns;
      compute.rows++;
    }
    const cmp = { result: saved.result, tuned: saved.tuned };
    results.push({ label: row.label, result: cmp.result, tuned: cmp.tuned });
    withFlag('--out', out, () =>
      writeFileAtomic(join(out, `mnist-row-${i + 1}.svg`), lossCurvesSvg(cmp.result, { title: `MNIST ${row.label}` })),
    );
    sections.push(
      `### ${row.label}\n\n${evaluationTable(cmp.result, { steps: row.reportSteps, format: 'markdown' })}\n\n` +
        `Baseline learning rates (tuned on the validation split): ${cmp.tuned.map((t) => `${t.name} ${t.best}${t.bestAtEdge ? ' (at grid edge)' : ''}`).join(', ')}. Details: [row-${i + 1}/report.md](row-${i + 1}/report.md).\n\n` +
        `![${row.label}](mnist-row-${i + 1}.svg)\n`,
    );
    for (const s of row.reportSteps) {
      summary.push([
        `${row.label}, step ${s}`,
        ...cmp.result.curves.map((c) => `${fmtCell(c.mean[s]!)} ± ${fmtCell(c.std[s]!)}`),
      ]);
    }
  }
  if (results.length === 0) throw new L2oError('NOT_FOUND', `reproduce: no row results in ${out}`);
  const names = results[0]!.result.curves.map((c) => c.name.replace(/ \(lr [^)]*\)/, ''));
  const info = engineInfo();
  const md = [
    `# ${str(flags['title']) || "MNIST: the paper's experiment, reproduced"}`,
    '',
    `Produced by \`l2o reproduce mnist\` (${new Date().toISOString().slice(0, 10)}). Meta-training: ${trainSummary}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, backend ${info?.backend ?? '?'} (tfjs ${info?.tfjsVersion ?? '?'}), Node ${process.versions.node}.${wanted.size > 0 ? ` This process (rows ${[...wanted].join(', ')}): ${formatDuration((performance.now() - started) / 1000)}.` : ''}${compute.rows > 0 ? ` Compute of the ${compute.rows} row${compute.rows > 1 ? 's' : ''} recorded (summed over sittings): tuning ${formatDuration(compute.tuning)}, test runs ${formatDuration(compute.testRuns)}.` : ''}`,
    '',
    '## Summary (mean ± std of the training loss over test runs)',
    '',
    `| row | ${names.join(' | ')} |`,
    `| --- | ${names.map(() => '---:').join(' | ')} |`,
    ...summary.map((r) => `| ${r.join(' | ')} |`),
    '',
    '## Reproduce',
    '',
    'One command (meta-training included): `npx l2o reproduce mnist --epochs 300 --validate-every 25 --tune-problems 5`. ' +
      'With a trained optimizer: `npx l2o reproduce mnist --skip-train <folder> --tune-problems 5`; rows can run in separate ' +
      'processes (`--rows 1` and `--rows 2,3,4` into the same `--out`), the report covers every row present.',
    '',
    '## Protocol',
    '',
    '- Optimizee: MLP on MNIST, sigmoid hidden units unless stated, softmax cross-entropy, minibatch 128 drawn fresh (with replacement) at every step, weights N(0, 0.01²), biases 0.',
    untrainedHere
      ? `- Learned optimizer: the shipped preset \`${optimizerDir}\`, untuned; it was meta-trained on other tasks (see the preset's README) and never saw MNIST at 28 × 28 nor these networks.`
      : `- Learned optimizer: ${learnedSummary(optimizerDir, flags)}; meta-trained on the training split (first 50,000 training images), validated on the validation split (last 10,000 training images), keeping the best φ.`,
    `- Baselines: SGD, RMSprop, Adam, NAG; each learning rate tuned per row on ${num(flags['tune-problems'])} validation-split problems by the mean loss at the row's last step, on the half-decade grid ${list(flags['grid']).join(', ')} extended while the best is at an edge, then refined twice between the best and its neighbours.`,
    `- Test: ${num(flags['runs'])} fresh MLPs per row on the test split (10,000 images), the same θ₀ and minibatches for every optimizer; the loss reported is the minibatch loss at that step, averaged over runs.`,
    untrainedHere
      ? '- No row was used to train or to choose the preset: every row tests generalization.'
      : '- The learned optimizer was trained only on the 1×20 sigmoid network; the other rows test generalization.',
    '',
    '## Rows',
    '',
    ...sections,
  ].join('\n');
  withFlag('--out', out, () => writeFileAtomic(join(out, 'README.md'), `${md}\n`));
  withFlag('--out', out, () =>
    writeFileAtomic(join(out, 'results.json'), `${compactJson({ trainSeconds, results })}\n`),
  );
  process.stdout.write(`\nwrote ${join(out, 'README.md')}\n`);
}

/** `given` with every flag that is undefined there taken from `defaults`. */
function withDefaults(
  given: Record<string, FlagValue>,
  defaults: Readonly<Record<string, FlagValue>>,
): Record<string, FlagValue> {
  const out: Record<string, FlagValue> = { ...given };
  for (const [k, v] of Object.entries(defaults)) if (out[k] === undefined) out[k] = v;
  return out;
}

/**
 * The learned optimizer and its meta-training as its manifest records them (architecture, inputs, horizon,
 * unroll, meta learning rate and schedule, validation); the flags where the manifest lacks a field.
 */
function learnedSummary(dir: string, flags: Record<string, FlagValue>): string {
  let m: { kind?: string; config?: Record<string, unknown>; training?: Record<string, unknown> } = {};
  try {
    m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as typeof m;
  } catch {
    return loadSummary(flags);
  }
  const t = m.training ?? {};
  // A residual optimizer: its base, then the learned correction's own config.
  const residual = m.kind === 'residual' && m.config && typeof m.config['config'] === 'object' ? m.config : undefined;
  const c = (residual ? (residual['config'] as Record<string, unknown>) : m.config) ?? {};
  const kind = residual ? String(residual['kind']) : (m.kind ?? 'lstm');
  const b = residual?.['base'] as Record<string, unknown> | undefined;
  const prefix = b ? `${String(b['name']).toUpperCase()} (lr ${String(b['learningRate'])}) + learned correction: ` : '';
  const hidden = Array.isArray(c['hiddenSizes']) ? (c['hiddenSizes'] as number[]).join('×') : '?';
  const v = (k: string, fallback: FlagValue): string => String(t[k] ?? fallback);
  return (
    `${prefix}${kind} ${hidden}, ${String(c['preprocessing'])} inputs (p = ${String(c['p'])}), output ×${String(c['outputScale'])}; ` +
    `horizon ${v('horizon', 100)}, unroll ${v('unroll', 20)}, Adam on φ (lr ${v('metaLearningRate', num(flags['meta-lr']))}, ` +
    `${v('metaLearningRateSchedule', 'constant')} schedule), ${v('epochs', num(flags['epochs']))} epochs, ` +
    `validation every ${v('validateEvery', num(flags['validate-every']))} epochs over ${v('validationProblems', num(flags['validation-problems']))} problems`
  );
}

/** Whether `dir` names a shipped preset of the hyper optimizer (`preset:general`). */
function isHyperPreset(dir: string): boolean {
  return dir.startsWith('preset:') && HYPER_PRESETS.includes(dir.slice('preset:'.length));
}

/**
 * The learned optimizer's column in the reports: 'LSTM (learned)', e.g. 'NAG + LSTM (learned)' for a residual,
 * the preset's name for a hyper preset ('preset general').
 */
function learnedLabel(loaded: LoadedLearned): string {
  const { learned } = loaded;
  const c = learned.config as { base?: { name?: unknown }; kind?: unknown };
  if (learned.kind === 'residual' && typeof c.base?.name === 'string') {
    return `${c.base.name.toUpperCase()} + ${typeof c.kind === 'string' ? c.kind.toUpperCase() : 'learned'} (learned)`;
  }
  return isHyperPreset(loaded.path) ? loaded.name : 'LSTM (learned)';
}

function loadSummary(flags: Record<string, FlagValue>): string {
  return `${str(flags['optimizer'])} ${Array.isArray(flags['hidden']) ? flags['hidden'].join('×') : ''}, ${str(flags['preprocessing'])} preprocessing (p = ${num(flags['p'])}), output ×${num(flags['output-scale'])}`;
}

/**
 * `l2o reproduce quadratic`: meta-train the LSTM on the paper's 10-dim Gaussian quadratics, tune the baselines
 * on as many validation problems as there are test problems, and write the comparison report.
 */
async function reproduceQuadratic(flags: Record<string, FlagValue>): Promise<void> {
  const out = resolve(str(flags['out']) || 'docs/results/quadratic');
  withFlag('--out', out, () => ensureDirectory(out));
  const base: Record<string, FlagValue> = {
    ...flags,
    task: 'quadratic',
    dim: 10,
    functions: 128,
    sampling: 'gaussian',
    horizon: 100,
    unroll: 20,
  };
  let optimizerDir = str(flags['skip-train']);
  let trainNote = describeTraining(optimizerDir);
  if (!optimizerDir) {
    const t = await runTrain({ ...base, out: join(out, 'train') });
    optimizerDir = t.optimizerDir;
    trainNote = `${t.result.epochsDone} epochs in ${formatDuration(t.result.wallSeconds)} (best validation ${t.result.bestValidation.toPrecision(4)} at epoch ${t.result.bestEpoch})`;
  }
  const loaded = loadLearned(optimizerDir, str(flags['skip-train']) ? '--skip-train' : '--out');
  const runs = num(flags['runs']);
  const info = engineInfo();
  await compareOptimizers(
    makeFamily(base, 'test'),
    makeFamily(base, 'validation'),
    [{ ...loaded, name: learnedLabel(loaded) }],
    {
      ...base,
      baselines: ['sgd', 'nag', 'rmsprop', 'adam'],
      grid: [],
      'tune-problems': num(flags['tune-problems']),
      problems: runs,
      steps: 100,
      seed: 2_000_003,
      out,
    },
    'Quadratics ||Wθ − y||², 10-dim, W and y Gaussian: learned LSTM against tuned baselines',
    [
      `Meta-training: ${trainNote}; ${loadSummary(flags)}, Adam on φ at lr ${num(flags['meta-lr'])} (${str(flags['meta-lr-schedule'])}), horizon 100, unroll 20, one fresh problem of 128 functions per epoch.`,
      `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, backend ${info?.backend ?? '?'} (tfjs ${info?.tfjsVersion ?? '?'}), Node ${process.versions.node}.`,
      "Each problem is 128 independent quadratics optimized jointly (the reference code's batch); its loss is their mean, so gradients carry a factor 1/128 and the baselines' rates absorb it.",
    ].join('\n'),
  );
  disposeMap(loaded.metaParams);
}

/** What a trained optimizer's manifest says about its meta-training (for --skip-train). */
function describeTraining(dir: string): string {
  if (!dir) return '';
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { training?: Record<string, unknown> };
    const t = m.training ?? {};
    const secs = Number(t['wallSeconds']);
    return `${String(t['epochs'])} epochs in ${formatDuration(secs)} on ${String(t['task'])} (meta-lr ${String(t['metaLearningRate'])}, best validation ${Number(t['bestValidation']).toPrecision(4)} at epoch ${String(t['bestEpoch'])}), from ${dir}`;
  } catch {
    return `a previously trained optimizer (${dir})`;
  }
}

function fmtCell(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(3) : 'diverged';
}
