import type * as tf from '@tensorflow/tfjs';
import { adam } from './adam.js';
import type { MetaGradientEstimator } from './estimator.js';
import { fusedBpttEstimator } from './estimator-bptt-fused.js';
import { bpttEstimator } from './estimator-bptt.js';
import { pesEstimator } from './estimator-pes.js';
import type { CheckpointStore } from './checkpoint.js';
import { checkEvaluateEntries, type EvaluateEntry } from './evaluate.js';
import type { MetaStepExecutor } from './executor.js';
import { maxHorizon, resolveHorizon, type HorizonOption, type HorizonSchedule } from './horizon.js';
import { checkObjective, type LossTransform, type LossWeighting } from './meta-objective.js';
import type { BatchData, LearnedOptimizer, OptimizeeFamily, Optimizer, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** Validation scores: mean of f over the steps, f at the last step, or the mean over problems of log(f_T / f_0). */
export const VALIDATION_METRICS = ['mean', 'final', 'log-ratio', 'vs-reference'] as const;
export type ValidationMetric = (typeof VALIDATION_METRICS)[number];
/** The shipped meta-gradient estimators. */
export const ESTIMATORS = ['bptt', 'pes'] as const;
export type EstimatorName = (typeof ESTIMATORS)[number];

export interface MetaTrainOptions<Batch extends BatchData, State extends tf.TensorContainer> {
  /** The learned optimizer whose meta-parameters φ are trained. */
  readonly learned: LearnedOptimizer<State>;
  /** Training problems: every episode of every slot draws a fresh one. */
  readonly family: OptimizeeFamily<Batch>;
  /** Held-out problems for validation (default: `family`, with seeds disjoint from training). */
  readonly validationFamily?: OptimizeeFamily<Batch>;
  /** The optimizer of φ. Default: Adam with `metaLearningRate` (the paper). Any {@link Optimizer} works. */
  readonly metaOptimizer?: Optimizer;
  /** Learning rate of the default Adam on φ. Default 1e-3. */
  readonly metaLearningRate?: number;
  /**
   * Schedule of the default Adam's learning rate over meta-steps: 'constant' (the paper) or 'cosine' (from
   * `metaLearningRate` down to `metaLearningRate × metaLearningRateFloor` at the last meta-step). Ignored when
   * `metaOptimizer` is given.
   */
  readonly metaLearningRateSchedule?: 'constant' | 'cosine';
  /** Final fraction of the learning rate under the cosine schedule. Default 0.1. */
  readonly metaLearningRateFloor?: number;
  /**
   * Per-tensor factors on the meta-optimizer's updates of φ, by name (e.g. `{ logLr0: 30 }`): a tensor whose
   * useful range is wide (a log learning rate) would otherwise move at most ≈ the meta learning rate per
   * meta-step under Adam. Names must be names of φ; factors finite and > 0. Default: none.
   */
  readonly metaLearningRateScale?: Readonly<Record<string, number>>;
  /** Number of epochs, each `metaStepsPerEpoch` meta-steps (with one task and a fixed horizon: one episode). */
  readonly epochs: number;
  /**
   * Meta-steps per epoch: the unit of history, validation and checkpoints. Default ⌈T/K⌉ for the longest horizon
   * T of the schedule, so that with a fixed horizon an epoch is one episode of every slot.
   */
  readonly metaStepsPerEpoch?: number;
  /**
   * Optimizee steps per episode (T): a number (default 100), `{ min, max }` drawn log-uniformly per episode, or
   * `{ curriculum: [[metaStep, T], …] }` ({@link HorizonOption}). Drawn horizons are rounded to a multiple of K.
   */
  readonly horizon?: HorizonOption;
  /** Steps per truncation (K); one φ update per meta-step. Default 20. Must divide a fixed `horizon`. */
  readonly unroll?: number;
  /** Tasks (slots) advanced per meta-step; their meta-gradients are averaged in slot order. Default 1. */
  readonly tasksPerStep?: number;
  /** Meta-loss weights: 'uniform' (default, the paper), 'linear' (w_t = 2t/(T+1)), or w_1…w_T (fixed horizon). */
  readonly lossWeights?: LossWeighting;
  /** Per-task loss transform τ: 'none' (default), 'relative' (f / f(θ₀)) or 'log'. */
  readonly lossTransform?: LossTransform;
  /**
   * The meta-gradient estimator: 'bptt' (default; truncated BPTT, through the learned optimizer's fused unroll where
   * it offers one and `fused` is not false), 'pes', or an estimator object of your own.
   */
  readonly estimator?: EstimatorName | MetaGradientEstimator;
  /** σ of PES's perturbations. Default 0.01. */
  readonly pesSigma?: number;
  /** Where the slots of a meta-step run. Default: in this process. metaTrain does not dispose an executor it is given. */
  readonly executor?: MetaStepExecutor;
  /**
   * A slot whose loss becomes non-finite starts a new episode (counted in `resetSlots`). Default false: the slot runs
   * on to its horizon with its meta-gradients dropped (the behaviour of the single-task trainer).
   */
  readonly resetNonFinite?: boolean;
  /** Seed of everything random in the run. */
  readonly seed: number;
  /** Validate (and checkpoint) every this many epochs. Default max(1, round(epochs / 20)). */
  readonly validateEvery?: number;
  /** Number of validation problems. Default 10. */
  readonly validationProblems?: number;
  /** Validation score ({@link ValidationMetric}); lower is better. Default 'mean'. */
  readonly validationMetric?: ValidationMetric;
  /** Steps of each validation run. Default: the longest horizon of the schedule. */
  readonly validationHorizon?: number;
  /**
   * The hand-designed optimizers the 'vs-reference' metric compares with (for example Adam at several learning
   * rates): on each validation problem the lowest f_T among them is that problem's reference. Run once per
   * training (and again on resume), on the same problems, θ₀ and minibatches as φ. Needed by 'vs-reference' and
   * refused by the other metrics.
   */
  readonly validationReferences?: readonly EvaluateEntry[];
  /** Starting φ (default: `learned.initMetaParams`). Not taken over: the caller keeps ownership. */
  readonly initialMetaParams?: TensorMap;
  /**
   * Checkpoint file, written atomically at every validation and when stopped. Needs file access: with `metaTrain`
   * from `@l2o/core/node` (which turns it into a `fileCheckpointStore`); elsewhere pass `checkpointStore`.
   */
  readonly checkpointPath?: string;
  /** Where checkpoints go (written at every validation and when stopped); any medium. Wins over `checkpointPath`. */
  readonly checkpointStore?: CheckpointStore;
  /** Continue from the checkpoint if there is one (bit-exactly, also from the middle of an epoch or episode). */
  readonly resume?: boolean;
  /**
   * With the 'bptt' estimator, use the learned optimizer's fused unroll (`beginFusedUnroll`) where it offers one.
   * Default true; false forces the generic path (replay on a tfjs tape), which the fused one is tested against.
   */
  readonly fused?: boolean;
  /** Stops after the current meta-step (a checkpoint is written first). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: MetaTrainProgress) => void;
  /** Free-form description of the run stored in checkpoints, used to refuse resuming a different run. */
  readonly runInfo?: Readonly<Record<string, string | number | boolean>>;
}

export interface MetaTrainProgress {
  readonly kind: 'step' | 'epoch' | 'validation' | 'checkpoint' | 'resumed';
  readonly epoch: number;
  readonly epochs: number;
  /** Meta-steps done, of `metaSteps`. */
  readonly metaStep: number;
  readonly metaSteps: number;
  /** Mean of τ(f(θ_t)) over the steps of all slots in this epoch ('epoch') or meta-step ('step'). */
  readonly metaLoss?: number;
  readonly validation?: number;
  readonly bestValidation?: number;
  readonly bestEpoch?: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds?: number;
  /** Meta-steps skipped so far because no slot's meta-gradient was finite. */
  readonly skippedUnrolls: number;
  /** Slot meta-gradients dropped from averages so far because they were not finite. */
  readonly droppedGradients: number;
  /** Slots restarted so far because their loss became non-finite (`resetNonFinite`). */
  readonly resetSlots: number;
  /** Episodes completed so far (reached their horizon or were reset). */
  readonly episodes: number;
}

export interface MetaTrainHistoryEntry {
  readonly epoch: number;
  readonly metaLoss: number;
  readonly validation?: number;
}

export interface MetaTrainResult {
  /** φ with the best validation score. The caller owns it. */
  readonly metaParams: TensorMap;
  /** φ after the last meta-step. The caller owns it. */
  readonly lastMetaParams: TensorMap;
  readonly bestEpoch: number;
  readonly bestValidation: number;
  readonly history: readonly MetaTrainHistoryEntry[];
  /** Epochs completed (may be less than requested if stopped by `signal`). */
  readonly epochsDone: number;
  /** Meta-steps completed. */
  readonly metaSteps: number;
  readonly stopped: boolean;
  /** Wall time of meta-training, including time before a resume. */
  readonly wallSeconds: number;
  readonly skippedUnrolls: number;
  readonly droppedGradients: number;
  readonly resetSlots: number;
  readonly episodes: number;
}

/** The options of a run, checked, with every default filled in. */
export interface MetaTrainSettings {
  readonly learned: LearnedOptimizer;
  readonly family: OptimizeeFamily<BatchData>;
  readonly validationFamily: OptimizeeFamily<BatchData>;
  readonly seed: number;
  readonly epochs: number;
  readonly unroll: number;
  readonly horizon: HorizonSchedule;
  readonly metaStepsPerEpoch: number;
  readonly metaSteps: number;
  readonly tasksPerStep: number;
  readonly lossWeights: LossWeighting;
  readonly lossTransform: LossTransform;
  readonly estimator: MetaGradientEstimator;
  /** Whether the estimator was given by the caller (then its name and config go into the fingerprint). */
  readonly customEstimator: boolean;
  readonly pesSigma: number;
  readonly resetNonFinite: boolean;
  readonly validateEvery: number;
  readonly validationProblems: number;
  readonly validationMetric: ValidationMetric;
  readonly validationHorizon: number;
  readonly validationReferences: readonly EvaluateEntry[];
  /** The optimizer of φ and the learning rate to scale its updates by at a meta-step (null: use them as they are). */
  readonly metaOptimizer: Optimizer;
  readonly metaLearningRate: ((metaStep: number) => number) | null;
  /** Factors on the updates of the named tensors of φ (empty: none). */
  readonly metaLearningRateScale: Readonly<Record<string, number>>;
  /** How the meta-optimizer is described in the fingerprint. */
  readonly metaOptimizerName: string;
}

function checkReferences(
  refs: readonly EvaluateEntry[] | undefined,
  metric: ValidationMetric,
): readonly EvaluateEntry[] {
  if (metric !== 'vs-reference') {
    if (refs !== undefined && refs.length > 0) {
      throw new L2oError(
        'INVALID_OPTION',
        `validationReferences: only the 'vs-reference' validation metric uses them, got validationMetric '${metric}'`,
      );
    }
    return [];
  }
  if (refs === undefined || refs.length === 0) {
    throw new L2oError(
      'INVALID_OPTION',
      "validationReferences: validationMetric 'vs-reference' needs at least one reference optimizer (e.g. Adam at several learning rates)",
    );
  }
  checkEvaluateEntries(refs, 'validationReferences');
  return refs;
}

function positiveInt(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1)
    throw new L2oError('INVALID_OPTION', `${field}: must be a positive integer, got ${v}`);
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (!(allowed as readonly unknown[]).includes(v)) {
    throw new L2oError('INVALID_OPTION', `${field}: unknown "${String(v)}"; allowed values: ${allowed.join(', ')}`);
  }
  return v as T;
}

/** Checks every option (errors name the option and the allowed values) and fills in the defaults. */
export function resolveMetaTrainSettings<Batch extends BatchData, State extends tf.TensorContainer>(
  options: MetaTrainOptions<Batch, State>,
): MetaTrainSettings {
  const o = options;
  const baseLr = o.metaLearningRate ?? 1e-3;
  if (!(Number.isFinite(baseLr) && baseLr > 0)) {
    throw new L2oError('INVALID_OPTION', `metaLearningRate: must be a finite number > 0, got ${baseLr}`);
  }
  const schedule = oneOf(o.metaLearningRateSchedule ?? 'constant', 'metaLearningRateSchedule', ['constant', 'cosine']);
  const floor = o.metaLearningRateFloor ?? 0.1;
  if (!(Number.isFinite(floor) && floor >= 0 && floor <= 1)) {
    throw new L2oError('INVALID_OPTION', `metaLearningRateFloor: must be a number in [0, 1], got ${floor}`);
  }
  const lrScale = o.metaLearningRateScale ?? {};
  for (const [k, f] of Object.entries(lrScale)) {
    if (!(typeof f === 'number' && Number.isFinite(f) && f > 0)) {
      throw new L2oError('INVALID_OPTION', `metaLearningRateScale.${k}: must be a finite number > 0, got ${String(f)}`);
    }
  }
  const scaleText = Object.keys(lrScale).length === 0 ? '' : ` scaled ${JSON.stringify(lrScale)}`;
  const epochs = positiveInt(o.epochs, 'epochs');
  const unroll = positiveInt(o.unroll ?? 20, 'unroll');
  const horizon = resolveHorizon(o.horizon, unroll);
  const longest = maxHorizon(horizon);
  const metaStepsPerEpoch = positiveInt(o.metaStepsPerEpoch ?? Math.ceil(longest / unroll), 'metaStepsPerEpoch');
  const metaSteps = epochs * metaStepsPerEpoch;
  const validateEvery = positiveInt(o.validateEvery ?? Math.max(1, Math.round(epochs / 20)), 'validateEvery');
  const validationProblems = positiveInt(o.validationProblems ?? 10, 'validationProblems');
  const validationMetric = oneOf(o.validationMetric ?? 'mean', 'validationMetric', VALIDATION_METRICS);
  const validationHorizon = positiveInt(o.validationHorizon ?? longest, 'validationHorizon');
  const validationReferences = checkReferences(o.validationReferences, validationMetric);
  const tasksPerStep = positiveInt(o.tasksPerStep ?? 1, 'tasksPerStep');
  const lossWeights = o.lossWeights ?? 'uniform';
  const lossTransform = o.lossTransform ?? 'none';
  checkObjective(lossWeights, lossTransform);
  if (typeof lossWeights !== 'string') {
    if (horizon.kind !== 'fixed')
      throw new L2oError('INVALID_OPTION', 'lossWeights: an array of weights needs a fixed horizon');
    if (lossWeights.length !== horizon.steps || lossWeights.some((w) => !Number.isFinite(w))) {
      throw new L2oError(
        'SHAPE_MISMATCH',
        `lossWeights: must hold ${horizon.steps} finite numbers (one per step), got ${lossWeights.length}`,
      );
    }
  }
  // Rng.seeded and the validation seed truncate to integers: 1 and 1.5 would silently be the same run.
  if (!Number.isSafeInteger(o.seed)) throw new L2oError('INVALID_OPTION', `seed: must be an integer, got ${o.seed}`);
  const pesSigma = o.pesSigma ?? 0.01;
  const learned = o.learned as unknown as LearnedOptimizer;
  const common = { learned, unroll, lossWeights, lossTransform };
  const chosen = o.estimator ?? 'bptt';
  let estimator: MetaGradientEstimator;
  if (typeof chosen === 'object' && chosen !== null && typeof chosen.estimate === 'function') estimator = chosen;
  else if (oneOf(chosen, 'estimator', ESTIMATORS) === 'pes') estimator = pesEstimator({ ...common, sigma: pesSigma });
  else if (o.fused !== false && learned.beginFusedUnroll) estimator = fusedBpttEstimator(common);
  else estimator = bpttEstimator(common);
  // The default Adam runs at learning rate 1 and its updates are scaled by the scheduled rate at each meta-step:
  // bitwise the same as Adam at that rate (its last operation multiplies by −rate), with no Adam rebuilt.
  const cosine = (m: number): number => {
    const progress = metaSteps > 1 ? m / (metaSteps - 1) : 1;
    return baseLr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
  };
  return {
    learned,
    family: o.family as OptimizeeFamily<BatchData>,
    validationFamily: (o.validationFamily ?? o.family) as OptimizeeFamily<BatchData>,
    seed: o.seed,
    epochs,
    unroll,
    horizon,
    metaStepsPerEpoch,
    metaSteps,
    tasksPerStep,
    lossWeights,
    lossTransform,
    estimator,
    customEstimator: typeof chosen === 'object',
    pesSigma,
    resetNonFinite: o.resetNonFinite ?? false,
    validateEvery,
    validationProblems,
    validationMetric,
    validationHorizon,
    validationReferences,
    metaOptimizer: o.metaOptimizer ?? adam({ learningRate: 1 }),
    metaLearningRate: o.metaOptimizer ? null : schedule === 'constant' ? () => baseLr : cosine,
    metaLearningRateScale: lrScale,
    metaOptimizerName:
      (o.metaOptimizer
        ? o.metaOptimizer.name
        : schedule === 'cosine'
          ? `cosine(${baseLr}→×${floor} over ${metaSteps} meta-steps)`
          : adam({ learningRate: baseLr }).name) + scaleText,
  };
}
