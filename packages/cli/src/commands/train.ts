import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  L2oIoError,
  disposeMap,
  metaTrain,
  metaTrainingSvg,
  readCheckpointFile,
  saveArtifact,
  writeFileAtomic,
  type MetaTrainResult,
} from '@l2o/core';
import { UsageError, num, str, type FlagSpecs, type FlagValue } from '../args.js';
import { InterruptedError, lockOutput, withFlag, withFlagAsync } from '../errors.js';
import { Progress, formatDuration } from '../progress.js';
import { LSTM_FLAGS, TASK_FLAGS, learnedFromFlags, makeFamily } from '../registry.js';

export const TRAIN_FLAGS: FlagSpecs = {
  ...TASK_FLAGS,
  ...LSTM_FLAGS,
  epochs: { type: 'integer', help: 'meta-training epochs (a fresh problem each)', default: 300, min: 1 },
  horizon: { type: 'integer', help: 'optimizee steps per epoch (T)', default: 100, min: 1 },
  unroll: { type: 'integer', help: 'steps per truncated-BPTT unroll (K); must divide --horizon', default: 20, min: 1 },
  'meta-lr': { type: 'number', help: 'Adam learning rate on φ', default: 0.001, above: 0 },
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
    help: 'validation score that picks the kept φ: mean loss over the T steps (the meta-objective) or the loss at step T',
    default: 'mean',
    choices: ['mean', 'final'],
  },
  out: {
    type: 'string',
    help: 'run folder (checkpoint, trained optimizer, history, plot); one run at a time',
    default: 'runs/train',
  },
  resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint (an error if it has none)' },
};

export interface TrainOutcome {
  readonly result: MetaTrainResult;
  readonly optimizerDir: string;
}

/**
 * Meta-trains a learned optimizer (LSTM, LSTM+GAC or NTM-BFGS); writes <out>/checkpoint.l2ock, history.json,
 * meta-training.svg and, for a finished run, <out>/optimizer/. Holds the lock of <out> while it runs. Stopped by
 * a signal, it saves its state, writes the best φ so far to <out>/optimizer-partial/ (never to optimizer/) and
 * throws an {@link InterruptedError}.
 */
export async function runTrain(flags: Record<string, FlagValue>): Promise<TrainOutcome> {
  const out = resolve(str(flags['out']));
  const horizon = num(flags['horizon']);
  const unroll = num(flags['unroll']);
  if (horizon % unroll !== 0) {
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
          throw e instanceof Error && !(e instanceof L2oIoError) ? new Error(`--resume: ${e.message}`) : e;
        }
      });
      tf.dispose([ck.phi, ck.best, ck.metaState] as tf.TensorContainer[]);
    } else if (existsSync(checkpointPath)) {
      process.stderr.write(
        `note: ${checkpointPath} exists; starting a new run over it (use --resume to continue it)\n`,
      );
    }
    return await trainLocked(flags, out, checkpointPath);
  } finally {
    lock.release();
  }
}

async function trainLocked(
  flags: Record<string, FlagValue>,
  out: string,
  checkpointPath: string,
): Promise<TrainOutcome> {
  const family = makeFamily(flags, 'train');
  const validationFamily = makeFamily(flags, 'validation');
  const learned = learnedFromFlags(flags);
  const epochs = num(flags['epochs']);
  const progress = new Progress({ label: 'meta-train', total: epochs });
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) process.exit(130);
    progress.log('stopping after this epoch and writing a checkpoint (Ctrl-C again to quit now)…');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let last = '';
  const horizon = num(flags['horizon']);
  const weighting = str(flags['loss-weights'] ?? 'uniform');
  const validationMetric = str(flags['validation-metric'] ?? 'mean') as 'mean' | 'final';
  let result: MetaTrainResult;
  try {
    result = await withFlagAsync('--out', out, () =>
      metaTrain({
        learned,
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
        ...(weighting === 'linear' ? { lossWeights: linearLossWeights(horizon) } : {}),
        checkpointPath,
        resume: Boolean(flags['resume']),
        signal: controller.signal,
        runInfo: { task: family.name, metaLr: num(flags['meta-lr']), lossWeights: weighting, validationMetric },
        onProgress: (e) => {
          if (e.kind === 'resumed')
            progress.log(
              `resumed from epoch ${e.epoch} (best validation ${e.bestValidation?.toPrecision(4)} at epoch ${e.bestEpoch})`,
            );
          if (e.kind === 'epoch') {
            last = `meta-loss ${e.metaLoss?.toPrecision(4)} best val ${e.bestValidation?.toPrecision(4)}@${e.bestEpoch}`;
            progress.update(e.epoch, last, e.etaSeconds);
          }
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
  }
  progress.finish(last);
  const complete = !result.stopped;
  const optimizerDir = join(out, 'optimizer');
  const partialDir = join(out, 'optimizer-partial');
  const training = {
    task: family.name,
    epochs: result.epochsDone,
    epochsRequested: epochs,
    complete,
    horizon: num(flags['horizon']),
    unroll: num(flags['unroll']),
    metaLearningRate: num(flags['meta-lr']),
    metaLearningRateSchedule: str(flags['meta-lr-schedule'] ?? 'constant') as 'constant' | 'cosine',
    seed: num(flags['seed']),
    validateEvery: num(flags['validate-every']),
    validationProblems: num(flags['validation-problems']),
    lossWeights: weighting,
    validationMetric,
    bestEpoch: result.bestEpoch,
    bestValidation: result.bestValidation,
    wallSeconds: result.wallSeconds,
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
    `${result.epochsDone} epochs in ${formatDuration(result.wallSeconds)}; ` +
    `best validation ${result.bestValidation.toPrecision(4)} at epoch ${result.bestEpoch}`;
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
