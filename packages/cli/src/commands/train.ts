import { existsSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  adam,
  type BatchData,
  disposeMap,
  type JsonObject,
  L2oError,
  L2oIoError,
  type LearnedOptimizer,
  lossScaledFamily,
  type MetaTrainProgress,
  type MetaTrainResult,
  type OptimizeeFamily,
  reparameterizedFamily,
} from '@l2o/core';
import {
  crc32,
  type HorizonOption,
  LOSS_TRANSFORMS,
  type LossTransform,
  REPARAMETERIZATION_LEVELS,
  type ReparameterizationLevel,
  VALIDATION_METRICS,
  type ValidationMetric,
} from '@l2o/core/extend';
import { metaTrainingSvg } from '@l2o/report';
import { metaTrain, readCheckpointFile, saveArtifact, writeFileAtomic } from '@l2o/core/node';
import { UsageError, list, num, str, type FlagSpecs, type FlagValue } from '../args.js';
import { InterruptedError, lockOutput, withFlag, withFlagAsync } from '../errors.js';
import { Progress, formatDuration } from '../progress.js';
import { LSTM_FLAGS, TASK_FLAGS, initialFromFlags, learnedFromFlags, makeFamily } from '../registry.js';
import { bullmqExecutor } from '@l2o/distributed';

export const TRAIN_FLAGS: FlagSpecs = {
  ...TASK_FLAGS,
  ...LSTM_FLAGS,
  epochs: {
    type: 'integer',
    help: 'meta-training epochs of --steps-per-epoch meta-steps (one task, fixed horizon: a fresh problem each)',
    default: 300,
    min: 1,
  },
  horizon: {
    type: 'string',
    help: 'optimizee steps per episode (T): N, or MIN:MAX drawn log-uniformly per episode (rounded to a multiple of --unroll)',
    default: '100',
  },
  unroll: { type: 'integer', help: 'steps per truncation (K); must divide a fixed --horizon', default: 20, min: 1 },
  'tasks-per-step': {
    type: 'integer',
    help: 'tasks advanced per meta-step, their meta-gradients averaged (each its own problem, θ, state and horizon)',
    default: 1,
    min: 1,
  },
  estimator: {
    type: 'string',
    help: 'meta-gradient estimator: truncated BPTT (through the fused kernel where there is one) or persistent evolution strategies',
    default: 'bptt',
    choices: ['bptt', 'pes'],
  },
  'pes-sigma': { type: 'number', help: 'pes: standard deviation of the perturbations of φ', default: 0.01, min: 0 },
  'steps-per-epoch': {
    type: 'integer',
    help: 'meta-steps per epoch (the unit of --epochs, history and --validate-every; default ⌈longest horizon / unroll⌉)',
    min: 1,
  },
  'loss-transform': {
    type: 'string',
    help: 'per-task transform of the losses in the meta-objective, so tasks of different scales mix: none, relative (f / f(θ₀)) or log',
    default: 'none',
    choices: LOSS_TRANSFORMS,
  },
  augment: {
    type: 'list',
    help: 'training-task augmentations, applied in order: reparam:LEVEL:LO:HI (loss at w·s, s log-uniform in [LO, HI] per problem, LEVEL global|tensor|parameter) or loss-scale:LO:HI',
    default: [],
  },
  'reset-non-finite': {
    type: 'boolean',
    help: 'start a new episode in a slot whose loss becomes non-finite (default: run on to its horizon, its meta-gradients dropped)',
  },
  'validation-horizon': {
    type: 'integer',
    help: 'steps of each validation run (default: the longest horizon)',
    min: 1,
  },
  'meta-lr': { type: 'number', help: 'Adam learning rate on φ', default: 0.001, above: 0 },
  'meta-lr-scale': {
    type: 'list',
    help: "factors on the meta-updates of named tensors of φ, NAME:FACTOR (e.g. logLr0:30: the hyper optimizer's log learning rate moves 30× faster)",
    default: [],
  },
  'meta-lr-schedule': {
    type: 'string',
    help: 'schedule of the meta learning rate over epochs (cosine ends at ×0.1)',
    default: 'constant',
    choices: ['constant', 'cosine'],
  },
  seed: { type: 'integer', help: 'seed of the run', default: 0 },
  'validate-every': { type: 'integer', help: 'validate and checkpoint every N epochs', default: 20, min: 1 },
  'validation-problems': { type: 'integer', help: 'held-out problems per validation', default: 10, min: 1 },
  'loss-weights': {
    type: 'string',
    help: 'meta-loss weights w_t over the T steps of an epoch: uniform (the paper) or linear (w_t ∝ t with mean 1, late losses count more)',
    default: 'uniform',
    choices: ['uniform', 'linear'],
  },
  'validation-metric': {
    type: 'string',
    help: 'validation score that picks the kept φ: mean loss over the T steps (the meta-objective), the loss at step T, the mean over problems of log(f_T / f_0) (scale-free, for mixtures), or vs-reference: the mean over problems of log(f_T / f_T*) clipped to ±1, f_T* the best final loss of Adam at half-decades 1e-4…1 on that problem (no task outweighs the others)',
    default: 'mean',
    choices: VALIDATION_METRICS,
  },
  out: {
    type: 'string',
    help: 'run folder (checkpoint, trained optimizer, history, plot); one run at a time',
    default: 'runs/train',
  },
  resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint (an error if it has none)' },
  workers: {
    type: 'string',
    help: "Redis URL (redis://host:port): this process is the learner and the tasks of each meta-step are served by 'l2o worker' processes on any machine",
  },
  'run-id': {
    type: 'string',
    help: "with --workers: the run's name in Redis (letters, digits, _ and -; default: from --out), the same on --resume",
  },
};

/** `--run-id`, or one made from the run folder (stable across --resume, distinct for distinct folders). */
export function runIdFor(flags: Record<string, FlagValue>, out: string): string {
  const given = flags['run-id'] === undefined ? '' : str(flags['run-id']);
  if (given) {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(given)) {
      throw new UsageError(`--run-id: must be 1–100 letters, digits, '_' or '-', got "${given}"`);
    }
    return given;
  }
  const base =
    basename(out)
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 60) || 'run';
  return `${base}-${crc32(new TextEncoder().encode(out)).toString(16).padStart(8, '0')}`;
}

export interface TrainOutcome {
  readonly result: MetaTrainResult;
  readonly optimizerDir: string;
}

/** `--horizon`: N (fixed) or MIN:MAX (log-uniform per episode). A number (from code) is a fixed horizon. */
export function parseHorizonFlag(v: FlagValue): HorizonOption {
  const raw = String(v).trim();
  const bad = (): never => {
    throw new UsageError(
      `--horizon: expected a positive whole number N or MIN:MAX with 1 ≤ MIN ≤ MAX (e.g. 100 or 100:2000), got "${raw}"`,
    );
  };
  const int = (x: string): number => (/^\d+$/.test(x) && Number(x) >= 1 ? Number(x) : bad());
  const parts = raw.split(':');
  if (parts.length === 1) return int(parts[0]!);
  if (parts.length !== 2) return bad();
  const [min, max] = [int(parts[0]!), int(parts[1]!)];
  return min <= max ? { min, max } : bad();
}

/** `--meta-lr-scale`: NAME:FACTOR pairs → factors on the meta-updates of those tensors of φ. */
export function parseMetaLrScale(specs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    const m = /^([A-Za-z_][\w.]*):([^:]+)$/.exec(spec.trim());
    const factor = m ? Number(m[2]) : Number.NaN;
    if (!m || !(Number.isFinite(factor) && factor > 0)) {
      throw new UsageError(
        `--meta-lr-scale: expected NAME:FACTOR with a tensor name of φ and a factor > 0 (e.g. logLr0:30), got "${spec}"`,
      );
    }
    out[m[1]!] = factor;
  }
  return out;
}

function metaLrScaleFlag(flags: Record<string, FlagValue>): Record<string, number> | undefined {
  const specs = list(flags['meta-lr-scale'] ?? []);
  return specs.length > 0 ? parseMetaLrScale(specs) : undefined;
}

/** The longest horizon a `--horizon` value allows (what quickstart evaluates over). */
export function longestHorizon(v: FlagValue): number {
  const h = parseHorizonFlag(v);
  return typeof h === 'number' ? h : 'max' in h ? h.max : 0;
}

/** `--augment`: the training family wrapped by each augmentation in turn. */
export function augmentFamily(
  family: OptimizeeFamily<BatchData>,
  specs: readonly string[],
): OptimizeeFamily<BatchData> {
  const allowed = `reparam:LEVEL:LO:HI (LEVEL one of ${REPARAMETERIZATION_LEVELS.join(', ')}) or loss-scale:LO:HI, with 0 < LO ≤ HI`;
  let out = family;
  for (const spec of specs) {
    const parts = spec.split(':');
    const range = (lo: string | undefined, hi: string | undefined): [number, number] => {
      const r: [number, number] = [Number(lo), Number(hi)];
      if (!(r[0] > 0 && r[0] <= r[1] && Number.isFinite(r[1]))) {
        throw new UsageError(`--augment: bad range in "${spec}"; allowed: ${allowed}`);
      }
      return r;
    };
    if (parts[0] === 'reparam' && parts.length === 4) {
      const level = parts[1] as ReparameterizationLevel;
      if (!(REPARAMETERIZATION_LEVELS as readonly string[]).includes(level)) {
        throw new UsageError(
          `--augment: unknown level "${parts[1]}" in "${spec}"; allowed values: ${REPARAMETERIZATION_LEVELS.join(', ')}`,
        );
      }
      out = reparameterizedFamily(out, { level, range: range(parts[2], parts[3]) });
    } else if (parts[0] === 'loss-scale' && parts.length === 3) {
      out = lossScaledFamily(out, range(parts[1], parts[2]));
    } else {
      throw new UsageError(`--augment: unknown augmentation "${spec}"; allowed: ${allowed}`);
    }
  }
  return out;
}

/** The flags of `l2o train` a worker needs to rebuild the learner's optimizer and training family. */
export const TASK_SPEC_FLAGS = [...Object.keys(TASK_FLAGS), ...Object.keys(LSTM_FLAGS), 'augment'] as const;

/** What `l2o train --workers` stores for its workers: the problem and optimizer flags, as given. */
export function taskSpecFromFlags(flags: Record<string, FlagValue>): JsonObject {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const k of TASK_SPEC_FLAGS) {
    const v = flags[k];
    if (v !== undefined) out[k] = v;
  }
  return { kind: 'l2o-train-flags', flags: out };
}

/** Inverse of {@link taskSpecFromFlags}: the learned optimizer and training family of the learner's run. */
export function resolveTaskSpec(task: JsonObject): { learned: LearnedOptimizer; family: OptimizeeFamily<BatchData> } {
  if (task['kind'] !== 'l2o-train-flags' || task['flags'] === null || typeof task['flags'] !== 'object') {
    throw new L2oError(
      'INCOMPATIBLE',
      `this run was not started by l2o train --workers (task kind ${JSON.stringify(task['kind'])})`,
    );
  }
  const flags = task['flags'] as Record<string, FlagValue>;
  return {
    learned: learnedFromFlags(flags),
    family: augmentFamily(makeFamily(flags, 'train'), list(flags['augment'] ?? [])),
  };
}

/** The progress line: meta-steps, ETA (the bar), epoch, losses and what was dropped, skipped or reset. */
function progressStatus(e: MetaTrainProgress): string {
  const parts = [
    `epoch ${e.epoch}/${e.epochs}`,
    `meta-loss ${e.metaLoss?.toPrecision(4)}`,
    `best val ${e.bestValidation?.toPrecision(4)}@${e.bestEpoch}`,
  ];
  if (e.skippedUnrolls > 0) parts.push(`skipped ${e.skippedUnrolls}`);
  if (e.droppedGradients > e.skippedUnrolls) parts.push(`dropped ${e.droppedGradients}`);
  if (e.resetSlots > 0) parts.push(`reset ${e.resetSlots}`);
  return parts.join(' ');
}

/**
 * Meta-trains a learned optimizer (LSTM, LSTM+GAC or NTM-BFGS); writes <out>/checkpoint.l2ock, history.json,
 * meta-training.svg and, for a finished run, <out>/optimizer/. Holds the lock of <out> while it runs. Stopped by
 * a signal, it saves its state, writes the best φ so far to <out>/optimizer-partial/ (never to optimizer/) and
 * throws an {@link InterruptedError}.
 */
export async function runTrain(flags: Record<string, FlagValue>): Promise<TrainOutcome> {
  const out = resolve(str(flags['out']));
  if (str(flags['estimator'] ?? 'bptt') === 'pes' && !(num(flags['pes-sigma'] ?? 0.01) > 0)) {
    throw new UsageError(`--pes-sigma: must be a number > 0, got ${str(flags['pes-sigma'])}`);
  }
  const horizon = parseHorizonFlag(flags['horizon']);
  metaLrScaleFlag(flags); // usage errors before the run starts
  const unroll = num(flags['unroll']);
  if (typeof horizon === 'number' && horizon % unroll !== 0) {
    throw new UsageError(`--unroll: must divide --horizon (${horizon}), got ${unroll}`);
  }
  const checkpointPath = join(out, 'checkpoint.l2ock');
  if (flags['resume'] && !existsSync(checkpointPath)) {
    throw new UsageError(
      `--resume: no checkpoint to continue in --out ${out} (${checkpointPath} does not exist); check --out, or drop --resume to start a new run`,
    );
  }
  const lock = lockOutput('--out', out, 'l2o train');
  try {
    if (flags['resume']) {
      // Read it once here so that a damaged file is reported against the flag before any work starts.
      const ck = withFlag('--resume', '', () => {
        try {
          return readCheckpointFile(checkpointPath);
        } catch (e) {
          throw e instanceof Error && !(e instanceof L2oIoError)
            ? new L2oError(e instanceof L2oError ? e.code : 'INVALID_DATA', `--resume: ${e.message}`, { cause: e })
            : e;
        }
      });
      tf.dispose([ck.phi, ck.best, ck.metaState, ck.run ?? null] as tf.TensorContainer[]);
    } else if (existsSync(checkpointPath)) {
      process.stderr.write(
        `note: ${checkpointPath} exists; starting a new run over it (use --resume to continue it)\n`,
      );
    }
    return await trainLocked(flags, out, checkpointPath, horizon);
  } finally {
    lock.release();
  }
}

async function trainLocked(
  flags: Record<string, FlagValue>,
  out: string,
  checkpointPath: string,
  horizon: HorizonOption,
): Promise<TrainOutcome> {
  const augment = list(flags['augment']);
  const family = augmentFamily(makeFamily(flags, 'train'), augment);
  const validationFamily = makeFamily(flags, 'validation');
  const start = flags['init'] === undefined ? undefined : initialFromFlags(flags);
  const learned = start?.learned ?? learnedFromFlags(flags);
  const epochs = num(flags['epochs']);
  let progress: Progress | undefined;
  const log = (m: string): void => (progress ? progress.log(m) : void process.stderr.write(`${m}\n`));
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    log('stopping after this meta-step and writing a checkpoint (Ctrl-C again to quit now)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let last = '';
  const horizonFlag = str(flags['horizon']);
  const weighting = str(flags['loss-weights'] ?? 'uniform') as 'uniform' | 'linear';
  const validationMetric = str(flags['validation-metric'] ?? 'mean') as ValidationMetric;
  const validationReferences = validationMetric === 'vs-reference' ? adamReferences() : undefined;
  const optional = (name: string): number | undefined => (flags[name] === undefined ? undefined : num(flags[name]));
  const lrScale = metaLrScaleFlag(flags);
  const settings = {
    tasksPerStep: num(flags['tasks-per-step'] ?? 1),
    estimator: str(flags['estimator'] ?? 'bptt') as 'bptt' | 'pes',
    pesSigma: num(flags['pes-sigma'] ?? 0.01),
    lossTransform: str(flags['loss-transform'] ?? 'none') as LossTransform,
    resetNonFinite: Boolean(flags['reset-non-finite']),
    metaStepsPerEpoch: optional('steps-per-epoch'),
    validationHorizon: optional('validation-horizon'),
    metaLearningRateScale: lrScale,
  };
  const workersUrl = flags['workers'] === undefined ? '' : str(flags['workers']);
  let executor: ReturnType<typeof bullmqExecutor> | undefined;
  if (workersUrl) {
    const runId = runIdFor(flags, out);
    try {
      executor = bullmqExecutor({ connection: workersUrl, runId, task: taskSpecFromFlags(flags), log });
    } catch (e) {
      throw new UsageError(`--workers: ${e instanceof Error ? e.message : String(e)}`);
    }
    log(
      `learner of run ${runId}: tasks go to the workers of ${workersUrl} (start them with: l2o worker ${workersUrl})`,
    );
  }
  let result: MetaTrainResult;
  try {
    result = await withFlagAsync('--out', out, () =>
      metaTrain({
        ...(executor ? { executor } : {}),
        learned,
        ...(start ? { initialMetaParams: start.metaParams } : {}),
        family,
        validationFamily,
        epochs,
        horizon,
        unroll: num(flags['unroll']),
        metaLearningRate: num(flags['meta-lr']),
        metaLearningRateSchedule: str(flags['meta-lr-schedule'] ?? 'constant') as 'constant' | 'cosine',
        seed: num(flags['seed']),
        validateEvery: num(flags['validate-every']),
        validationProblems: num(flags['validation-problems']),
        validationMetric,
        ...(validationReferences ? { validationReferences } : {}),
        lossWeights: weighting,
        ...Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)),
        checkpointPath,
        resume: Boolean(flags['resume']),
        signal: controller.signal,
        runInfo: {
          task: family.name,
          metaLr: num(flags['meta-lr']),
          lossWeights: weighting,
          validationMetric,
          ...(augment.length > 0 ? { augment: augment.join(',') } : {}),
        },
        onProgress: (e) => {
          progress ??= new Progress({ label: 'meta-train', total: e.metaSteps });
          if (e.kind === 'resumed')
            progress.log(
              `resumed at meta-step ${e.metaStep} (epoch ${e.epoch}; best validation ${e.bestValidation?.toPrecision(4)} at epoch ${e.bestEpoch})`,
            );
          if (e.kind === 'step') progress.update(e.metaStep, progressStatus(e), e.etaSeconds);
          if (e.kind === 'epoch') last = progressStatus(e);
          if (e.kind === 'validation')
            progress.log(
              `epoch ${e.epoch}: validation ${e.validation?.toPrecision(4)} (best ${e.bestValidation?.toPrecision(4)} at epoch ${e.bestEpoch})`,
            );
        },
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (start) disposeMap(start.metaParams);
    await executor?.close();
  }
  progress?.finish(last);
  if (executor) {
    const st = executor.stats;
    process.stderr.write(
      `workers: ${st.jobs} jobs, ${(st.jobBytes / Math.max(1, st.jobs) / 1024).toFixed(1)} KiB per job, ${(st.resultBytes / Math.max(1, st.jobs) / 1024).toFixed(1)} KiB per result; ${st.discarded} results discarded, ${st.resubmitted} jobs resubmitted\n`,
    );
  }
  const complete = !result.stopped;
  const optimizerDir = join(out, 'optimizer');
  const partialDir = join(out, 'optimizer-partial');
  const training = {
    task: family.name,
    epochs: result.epochsDone,
    epochsRequested: epochs,
    complete,
    metaSteps: result.metaSteps,
    horizon: /^\d+$/.test(horizonFlag) ? Number(horizonFlag) : horizonFlag,
    unroll: num(flags['unroll']),
    metaLearningRate: num(flags['meta-lr']),
    metaLearningRateSchedule: str(flags['meta-lr-schedule'] ?? 'constant') as 'constant' | 'cosine',
    seed: num(flags['seed']),
    validateEvery: num(flags['validate-every']),
    validationProblems: num(flags['validation-problems']),
    lossWeights: weighting,
    validationMetric,
    tasksPerStep: settings.tasksPerStep,
    estimator: settings.estimator,
    ...(settings.estimator === 'pes' ? { pesSigma: settings.pesSigma } : {}),
    lossTransform: settings.lossTransform,
    augment: augment.join(','),
    resetNonFinite: settings.resetNonFinite,
    ...(settings.metaStepsPerEpoch !== undefined ? { metaStepsPerEpoch: settings.metaStepsPerEpoch } : {}),
    ...(settings.validationHorizon !== undefined ? { validationHorizon: settings.validationHorizon } : {}),
    ...(lrScale ? { metaLearningRateScale: lrScale } : {}),
    bestEpoch: result.bestEpoch,
    bestValidation: result.bestValidation,
    wallSeconds: result.wallSeconds,
    skippedUnrolls: result.skippedUnrolls,
    droppedGradients: result.droppedGradients,
    resetSlots: result.resetSlots,
    episodes: result.episodes,
  };
  try {
    // Every file is replaced atomically; the optimizer goes last, so a finished run's optimizer/ implies the rest.
    withFlag('--out', out, () => {
      writeFileAtomic(join(out, 'history.json'), `${JSON.stringify({ training, history: result.history }, null, 2)}\n`);
      writeFileAtomic(
        join(out, 'meta-training.svg'),
        metaTrainingSvg(
          result.history.map((h) => ({
            epoch: h.epoch,
            metaLoss: h.metaLoss,
            ...(h.validation !== undefined ? { validation: h.validation } : {}),
          })),
          { title: `Meta-training ${learned.name} on ${family.name}${complete ? '' : ' (interrupted)'}` },
        ),
      );
      saveArtifact(complete ? optimizerDir : partialDir, {
        kind: learned.kind,
        name: learned.name,
        config: learned.config,
        metaParams: result.metaParams,
        training,
      });
      if (complete) rmSync(partialDir, { recursive: true, force: true });
    });
  } finally {
    disposeMap(result.lastMetaParams);
    disposeMap(result.metaParams);
  }
  const summary =
    `${result.epochsDone} epochs (${result.metaSteps} meta-steps, ${result.episodes} episodes) in ` +
    `${formatDuration(result.wallSeconds)}; best validation ${result.bestValidation.toPrecision(4)} at epoch ${result.bestEpoch}` +
    (result.skippedUnrolls + result.droppedGradients + result.resetSlots > 0
      ? `; skipped ${result.skippedUnrolls} meta-steps, dropped ${result.droppedGradients} task gradients, reset ${result.resetSlots} tasks`
      : '');
  if (!complete) {
    throw new InterruptedError(
      `interrupted after ${summary} (of ${epochs} epochs requested). The run is saved in ${checkpointPath}: ` +
        `the same command with --resume continues it. The best φ so far is in ${partialDir} ` +
        `(${optimizerDir} is written by finished runs only).`,
    );
  }
  process.stderr.write(`done: ${summary}\ntrained optimizer: ${optimizerDir}\n`);
  return { result, optimizerDir };
}

/** w_t = 2t / (T + 1), t = 1…T: grows linearly, mean 1 (the sum equals the paper's uniform weights'). */
export function linearLossWeights(horizon: number): number[] {
  return Array.from({ length: horizon }, (_, i) => (2 * (i + 1)) / (horizon + 1));
}

/** Learning rates of the 'vs-reference' validation metric's Adam references: half-decades 1e-4 … 1. */
const REFERENCE_ADAM_RATES = [1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1] as const;

/** Adam at each of REFERENCE_ADAM_RATES, the references of `--validation-metric vs-reference`. */
function adamReferences(): { name: string; optimizer: ReturnType<typeof adam> }[] {
  return REFERENCE_ADAM_RATES.map((lr) => ({ name: `adam(${lr})`, optimizer: adam({ learningRate: lr }) }));
}
