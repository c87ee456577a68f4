import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { disposeMap, metaTrain, metaTrainingSvg, saveArtifact, type MetaTrainResult } from '@l2o/core';
import { num, str, type FlagSpecs, type FlagValue } from '../args.js';
import { Progress, formatDuration } from '../progress.js';
import { LSTM_FLAGS, TASK_FLAGS, learnedFromFlags, makeFamily } from '../registry.js';

export const TRAIN_FLAGS: FlagSpecs = {
  ...TASK_FLAGS,
  ...LSTM_FLAGS,
  epochs: { type: 'integer', help: 'meta-training epochs (a fresh problem each)', default: 300, min: 1 },
  horizon: { type: 'integer', help: 'optimizee steps per epoch (T)', default: 100, min: 1 },
  unroll: { type: 'integer', help: 'steps per truncated-BPTT unroll (K); must divide --horizon', default: 20, min: 1 },
  'meta-lr': { type: 'number', help: 'Adam learning rate on φ', default: 0.001, min: 0 },
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
  out: { type: 'string', help: 'run folder (checkpoint, trained optimizer, history, plot)', default: 'runs/train' },
  resume: { type: 'boolean', help: 'continue the run in --out from its checkpoint' },
};

export interface TrainOutcome {
  readonly result: MetaTrainResult;
  readonly optimizerDir: string;
}

/** Meta-trains a learned optimizer (LSTM, LSTM+GAC or NTM-BFGS); writes <out>/checkpoint.l2ock, <out>/optimizer/, history.json, meta-training.svg. */
export async function runTrain(flags: Record<string, FlagValue>): Promise<TrainOutcome> {
  const out = resolve(str(flags['out']));
  mkdirSync(out, { recursive: true });
  const family = makeFamily(flags, 'train');
  const validationFamily = makeFamily(flags, 'validation');
  const learned = learnedFromFlags(flags);
  const epochs = num(flags['epochs']);
  const checkpointPath = join(out, 'checkpoint.l2ock');
  if (!flags['resume'] && existsSync(checkpointPath)) {
    process.stderr.write(`note: ${checkpointPath} exists; starting a new run over it (use --resume to continue it)\n`);
  }
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
  const result = await metaTrain({
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
  });
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  progress.finish(last);
  const optimizerDir = join(out, 'optimizer');
  const training = {
    task: family.name,
    epochs: result.epochsDone,
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
  saveArtifact(optimizerDir, {
    kind: learned.kind,
    name: learned.name,
    config: learned.config,
    metaParams: result.metaParams,
    training,
  });
  writeFileSync(join(out, 'history.json'), `${JSON.stringify({ training, history: result.history }, null, 2)}\n`);
  writeFileSync(
    join(out, 'meta-training.svg'),
    metaTrainingSvg(
      result.history.map((h) => ({
        epoch: h.epoch,
        metaLoss: h.metaLoss,
        ...(h.validation !== undefined ? { validation: h.validation } : {}),
      })),
      { title: `Meta-training ${learned.name} on ${family.name}` },
    ),
  );
  process.stderr.write(
    `${result.stopped ? 'stopped' : 'done'}: ${result.epochsDone} epochs in ${formatDuration(result.wallSeconds)}; ` +
      `best validation ${result.bestValidation.toPrecision(4)} at epoch ${result.bestEpoch}\n` +
      `trained optimizer: ${optimizerDir}\n`,
  );
  disposeMap(result.lastMetaParams);
  disposeMap(result.metaParams);
  return { result, optimizerDir };
}

/** w_t = 2t / (T + 1), t = 1…T: grows linearly, mean 1 (the sum equals the paper's uniform weights'). */
export function linearLossWeights(horizon: number): number[] {
  return Array.from({ length: horizon }, (_, i) => (2 * (i + 1)) / (horizon + 1));
}
