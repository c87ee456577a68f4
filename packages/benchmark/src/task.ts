import { type BatchData, L2oError, type OptimizeeFamily } from '@l2o/core';

/**
 * The three disjoint roles of a task: `train` tasks may be used to meta-train learned optimizers and for nothing
 * else; `validation` tasks to choose recipes (architecture, hyperparameters, checkpoints); `test` tasks are
 * reported and must never be used to train or choose anything.
 */
export const TASK_SPLITS = ['train', 'validation', 'test'] as const;
export type TaskSplit = (typeof TASK_SPLITS)[number];

/**
 * Which data a task's problems draw from. The benchmark tunes the baselines on `validation` data and reports runs
 * on `test` data; meta-training uses `train` data. Tasks without data (quadratics, test functions, generated
 * sequences) return the same family for all three and differ by seed only.
 */
export const DATA_SPLITS = ['train', 'validation', 'test'] as const;
export type DataSplit = (typeof DATA_SPLITS)[number];

/** The kinds of task in the default suite (a task may use any other non-empty kebab-case word). */
export const TASK_KINDS = ['mlp', 'linear', 'autoencoder', 'cnn', 'quadratic', 'test-function', 'sequence'] as const;

/** What a user writes to define a task; {@link defineTask} checks it and fills in the defaults. */
export interface BenchmarkTaskSpec {
  /** Unique, kebab-case (`[a-z0-9]+(-[a-z0-9]+)*`), e.g. `mnist-mlp-tanh-1x50`. Names the task's files. */
  readonly id: string;
  /** The kind of problem, e.g. `mlp`, `cnn`, `quadratic` (see {@link TASK_KINDS}); summaries count kinds. */
  readonly kind: string;
  readonly split: TaskSplit;
  /** One line for reports, e.g. `MNIST MLP 784-50-10, tanh, batch 64`. */
  readonly description: string;
  /** The problems of the task on the given data split (called once per split and kept). */
  readonly family: (data: DataSplit) => OptimizeeFamily<BatchData>;
  /** Optimizer steps per run (the run length every optimizer is told through `InitContext.totalSteps`). */
  readonly steps: number;
  /** Minibatch size, for reports (`null`: deterministic, full-batch). */
  readonly batchSize: number | null;
  /** Seed of the reported runs: run r uses problem r of `evaluate` with this seed (`Rng.seeded(seed, r)`). */
  readonly seed: number;
  /** Seed of the tuning problems (default seed + 1); must differ from `seed`. */
  readonly tuneSeed?: number;
  /** Reported runs (default 20). */
  readonly runs?: number;
  /** Problems each learning rate is scored on when tuning a baseline (default 4). */
  readonly tuneProblems?: number;
  /** Plot the loss on a log scale (default true; the losses must be positive). */
  readonly logY?: boolean;
  /** For a long-run stability variant: the id of the task it extends ({@link longRunVariant}). */
  readonly longRunOf?: string;
}

/** A checked task, every default filled in. */
export interface BenchmarkTask extends BenchmarkTaskSpec {
  readonly tuneSeed: number;
  readonly runs: number;
  readonly tuneProblems: number;
  readonly logY: boolean;
}

const ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const KNOWN = [
  'id',
  'kind',
  'split',
  'description',
  'family',
  'steps',
  'batchSize',
  'seed',
  'tuneSeed',
  'runs',
  'tuneProblems',
  'logY',
  'longRunOf',
];

function positiveInt(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new L2oError('INVALID_OPTION', `${field}: must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** Checks a task spec (every error names the field and what is allowed) and fills in the defaults. */
export function defineTask(spec: BenchmarkTaskSpec): BenchmarkTask {
  if (spec === null || typeof spec !== 'object')
    throw new L2oError('INVALID_OPTION', 'defineTask: the spec must be an object');
  const id = spec.id;
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw new L2oError(
      'INVALID_OPTION',
      `task.id: must be kebab-case (lower-case letters, digits and single dashes), got ${JSON.stringify(id)}`,
    );
  }
  const where = `task "${id}"`;
  for (const k of Object.keys(spec)) {
    if (!KNOWN.includes(k))
      throw new L2oError('INVALID_OPTION', `${where}: unknown field "${k}"; allowed: ${KNOWN.join(', ')}`);
  }
  if (typeof spec.kind !== 'string' || !ID_PATTERN.test(spec.kind)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.kind: must be a kebab-case word such as ${TASK_KINDS.join(', ')}; got ${JSON.stringify(spec.kind)}`,
    );
  }
  if (!(TASK_SPLITS as readonly string[]).includes(spec.split)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.split: must be one of ${TASK_SPLITS.join(', ')}; got ${JSON.stringify(spec.split)}`,
    );
  }
  if (typeof spec.description !== 'string' || spec.description.trim() === '') {
    throw new L2oError('INVALID_OPTION', `${where}.description: must be a non-empty string`);
  }
  if (typeof spec.family !== 'function') {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.family: must be a function (data: 'train' | 'validation' | 'test') => OptimizeeFamily`,
    );
  }
  const steps = positiveInt(spec.steps, `${where}.steps`);
  if (spec.batchSize !== null) positiveInt(spec.batchSize, `${where}.batchSize (or null for full-batch tasks)`);
  if (!Number.isSafeInteger(spec.seed))
    throw new L2oError('INVALID_OPTION', `${where}.seed: must be an integer, got ${String(spec.seed)}`);
  const tuneSeed = spec.tuneSeed ?? spec.seed + 1;
  if (!Number.isSafeInteger(tuneSeed) || tuneSeed === spec.seed) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.tuneSeed: must be an integer other than seed (${spec.seed}), got ${String(tuneSeed)}`,
    );
  }
  const runs = positiveInt(spec.runs ?? 20, `${where}.runs`);
  const tuneProblems = positiveInt(spec.tuneProblems ?? 4, `${where}.tuneProblems`);
  const logY = spec.logY ?? true;
  if (typeof logY !== 'boolean')
    throw new L2oError('INVALID_OPTION', `${where}.logY: must be true or false, got ${String(logY)}`);
  if (spec.longRunOf !== undefined && (typeof spec.longRunOf !== 'string' || !ID_PATTERN.test(spec.longRunOf))) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.longRunOf: must be the id of another task, got ${JSON.stringify(spec.longRunOf)}`,
    );
  }
  return { ...spec, steps, tuneSeed, runs, tuneProblems, logY };
}

/**
 * A stability variant of `task`: `factor` × the step budget (default 10), same problems and seeds, id
 * `${id}-long`. Its baselines are tuned for the long budget on `tuneProblems` problems (default: the task's).
 */
export function longRunVariant(
  task: BenchmarkTask,
  options: { readonly factor?: number; readonly runs?: number; readonly tuneProblems?: number } = {},
): BenchmarkTask {
  const factor = positiveInt(options.factor ?? 10, 'longRunVariant.factor');
  return defineTask({
    ...task,
    id: `${task.id}-long`,
    description: `${task.description}; ${factor}× the steps (stability check)`,
    steps: task.steps * factor,
    runs: options.runs ?? task.runs,
    tuneProblems: options.tuneProblems ?? task.tuneProblems,
    longRunOf: task.id,
  });
}
