import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { adam } from './adam.js';
import { crc32 } from './crc32.js';
import { evaluate } from './evaluate.js';
import { lossAndGrad } from './loss-and-grad.js';
import { unrollMetaGradient } from './meta-gradient.js';
import { readCheckpointFile, writeCheckpoint, type MetaCheckpoint } from './checkpoint.js';
import { ensureEngine } from './engine/engine.js';
import { Rng } from './rng.js';
import { addMaps, cloneMap, disposeBatch, disposeMap } from './tensor-map.js';
import { optimizerForEvaluation } from './types.js';
import type { BatchData, LearnedOptimizer, OptimizeeFamily, Optimizer, TensorMap } from './types.js';
import { disposeExcept } from './tensor-container.js';

export interface MetaTrainOptions<Batch extends BatchData, State extends tf.TensorContainer> {
  /** The learned optimizer whose meta-parameters φ are trained. */
  readonly learned: LearnedOptimizer<State>;
  /** Training problems: a fresh one every epoch. */
  readonly family: OptimizeeFamily<Batch>;
  /** Held-out problems for validation (default: `family`, with seeds disjoint from training). */
  readonly validationFamily?: OptimizeeFamily<Batch>;
  /** The optimizer of φ. Default: Adam with `metaLearningRate` (the paper). Any {@link Optimizer} works. */
  readonly metaOptimizer?: Optimizer;
  /** Learning rate of the default Adam on φ. Default 1e-3. */
  readonly metaLearningRate?: number;
  /**
   * Schedule of the default Adam's learning rate over epochs: 'constant' (the paper) or 'cosine' (from
   * `metaLearningRate` down to `metaLearningRate × metaLearningRateFloor` at the last epoch). Ignored when
   * `metaOptimizer` is given.
   */
  readonly metaLearningRateSchedule?: 'constant' | 'cosine';
  /** Final fraction of the learning rate under the cosine schedule. Default 0.1. */
  readonly metaLearningRateFloor?: number;
  /** Number of epochs; each draws a new problem, θ₀ and zero optimizer state. */
  readonly epochs: number;
  /** Optimizee steps per epoch (T). Default 100. */
  readonly horizon?: number;
  /** Steps per truncated-BPTT unroll (K); one φ update per unroll. Default 20. Must divide `horizon`. */
  readonly unroll?: number;
  /** Meta-loss weights w_1 … w_T on f(θ_t). Default all 1 (the paper). */
  readonly lossWeights?: readonly number[];
  /** Seed of everything random in the run. */
  readonly seed: number;
  /** Validate (and checkpoint) every this many epochs. Default max(1, round(epochs / 20)). */
  readonly validateEvery?: number;
  /** Number of validation problems. Default 10. */
  readonly validationProblems?: number;
  /** Validation score: mean of f over all steps ('mean', the meta-objective) or f at the last step. */
  readonly validationMetric?: 'mean' | 'final';
  /** Starting φ (default: `learned.initMetaParams`). Not taken over: the caller keeps ownership. */
  readonly initialMetaParams?: TensorMap;
  /** Checkpoint file, written atomically every `validateEvery` epochs and at the end. */
  readonly checkpointPath?: string;
  /** Continue from `checkpointPath` if it exists. */
  readonly resume?: boolean;
  /**
   * Use the learned optimizer's fused unroll (`beginFusedUnroll`) where it offers one. Default true; false forces
   * the generic path (replay on a tfjs tape), which the fused one is tested against.
   */
  readonly fused?: boolean;
  /** Stops after the current epoch (a checkpoint is written first). */
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: MetaTrainProgress) => void;
  /** Free-form description of the run stored in checkpoints, used to refuse resuming a different run. */
  readonly runInfo?: Readonly<Record<string, string | number | boolean>>;
}

export interface MetaTrainProgress {
  readonly kind: 'epoch' | 'validation' | 'checkpoint' | 'resumed';
  readonly epoch: number;
  readonly epochs: number;
  /** Mean of f(θ_t) over t = 1…T in this epoch. */
  readonly metaLoss?: number;
  readonly validation?: number;
  readonly bestValidation?: number;
  readonly bestEpoch?: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds?: number;
  /** Unrolls whose meta-gradient was not finite and was skipped, so far. */
  readonly skippedUnrolls: number;
}

export interface MetaTrainHistoryEntry {
  readonly epoch: number;
  readonly metaLoss: number;
  readonly validation?: number;
}

export interface MetaTrainResult {
  /** φ with the best validation score. The caller owns it. */
  readonly metaParams: TensorMap;
  /** φ after the last epoch. The caller owns it. */
  readonly lastMetaParams: TensorMap;
  readonly bestEpoch: number;
  readonly bestValidation: number;
  readonly history: readonly MetaTrainHistoryEntry[];
  /** Epochs completed (may be less than requested if stopped by `signal`). */
  readonly epochsDone: number;
  readonly stopped: boolean;
  /** Wall time of meta-training, including time before a resume. */
  readonly wallSeconds: number;
  readonly skippedUnrolls: number;
}

/** A short, exact-enough identifier of the loss weights for the resume fingerprint. */
function lossWeightsDigest(w: readonly number[]): string {
  const bytes = new Uint8Array(Float64Array.from(w).buffer);
  return `${w.length}:${crc32(bytes).toString(16).padStart(8, '0')}`;
}

function positiveInt(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${field}: must be a positive integer, got ${v}`);
  return v;
}

/**
 * Seed of the validation problems (`Rng.seeded(validationSeed(seed), r)`), a bijective scramble of `seed`: they
 * coincide with a training epoch's problem (`Rng.seeded(seed, epoch)`) only if the scramble has `seed` as a fixed point.
 */
function validationSeed(seed: number): number {
  return (Math.imul(seed | 0, 0x2545f491) ^ 0x5bd1e995) >>> 0;
}

/**
 * Meta-trains a learned optimizer: L(φ) = E_f[Σ_t w_t f(θ_t)], truncated BPTT over unrolls of K steps, θ and
 * the optimizer state carried across unrolls and reset each epoch, the optimizee's gradients treated as
 * constants, one `metaOptimizer` step on φ per unroll, validation every E epochs keeping the best φ.
 * Deterministic for a given seed and backend; a run killed and resumed ends with the same φ.
 */
export async function metaTrain<Batch extends BatchData, State extends tf.TensorContainer>(
  options: MetaTrainOptions<Batch, State>,
): Promise<MetaTrainResult> {
  await ensureEngine('metaTrain');
  const { learned, family, seed } = options;
  const baseMetaLr = options.metaLearningRate ?? 1e-3;
  if (!(Number.isFinite(baseMetaLr) && baseMetaLr > 0)) {
    throw new Error(`metaLearningRate: must be a finite number > 0, got ${baseMetaLr}`);
  }
  const schedule = options.metaLearningRateSchedule ?? 'constant';
  if (schedule !== 'constant' && schedule !== 'cosine') {
    throw new Error(`metaLearningRateSchedule: unknown "${String(schedule)}"; allowed values: constant, cosine`);
  }
  const floor = options.metaLearningRateFloor ?? 0.1;
  if (!(Number.isFinite(floor) && floor >= 0 && floor <= 1)) {
    throw new Error(`metaLearningRateFloor: must be a number in [0, 1], got ${floor}`);
  }
  // The default Adam is rebuilt per epoch when scheduled: its state (moments, step) is separate and carries over.
  const metaOptimizerAt = (epoch: number): Optimizer => {
    if (options.metaOptimizer) return options.metaOptimizer;
    if (schedule === 'constant') return adam({ learningRate: baseMetaLr });
    const progress = options.epochs > 1 ? epoch / (options.epochs - 1) : 1;
    const lr = baseMetaLr * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
    return adam({ learningRate: lr });
  };
  let metaOptimizer: Optimizer = metaOptimizerAt(0);
  const epochs = positiveInt(options.epochs, 'epochs');
  const horizon = positiveInt(options.horizon ?? 100, 'horizon');
  const unroll = positiveInt(options.unroll ?? 20, 'unroll');
  if (horizon % unroll !== 0) throw new Error(`unroll: must divide horizon (${horizon}), got ${unroll}`);
  const validateEvery = positiveInt(options.validateEvery ?? Math.max(1, Math.round(epochs / 20)), 'validateEvery');
  const validationProblems = positiveInt(options.validationProblems ?? 10, 'validationProblems');
  const metric = options.validationMetric ?? 'mean';
  if (metric !== 'mean' && metric !== 'final') {
    throw new Error(`validationMetric: unknown "${String(metric)}"; allowed values: mean, final`);
  }
  const weights = options.lossWeights ?? new Array<number>(horizon).fill(1);
  if (weights.length !== horizon || weights.some((w) => !Number.isFinite(w))) {
    throw new Error(`lossWeights: must hold ${horizon} finite numbers (one per step), got ${weights.length}`);
  }
  // Rng.seeded and the validation seed truncate to integers: 1 and 1.5 would silently be the same run.
  if (!Number.isSafeInteger(seed)) throw new Error(`seed: must be an integer, got ${seed}`);
  const validationFamily = options.validationFamily ?? family;
  const fingerprint = {
    learned: learned.kind,
    config: JSON.stringify(learned.config),
    family: family.name,
    horizon,
    unroll,
    seed,
    // Everything else that changes φ's trajectory or what "best" means must match on resume too.
    metaOptimizer:
      schedule === 'cosine' && !options.metaOptimizer
        ? `cosine(${baseMetaLr}→×${floor} over ${options.epochs} epochs)`
        : metaOptimizer.name,
    lossWeights: lossWeightsDigest(weights),
    validationFamily: validationFamily.name,
    validationProblems,
    validationMetric: metric,
    ...(options.runInfo ?? {}),
  };

  let phi: TensorMap;
  let metaState: tf.TensorContainer;
  let best: TensorMap;
  let bestEpoch = 0;
  let bestValidation = Number.POSITIVE_INFINITY;
  let startEpoch = 0;
  let history: MetaTrainHistoryEntry[] = [];
  let priorSeconds = 0;
  let skipped = 0;

  const resumeFrom = options.resume && options.checkpointPath && existsSync(options.checkpointPath);
  if (resumeFrom) {
    const ck = readCheckpointFile(options.checkpointPath!);
    const fp: Readonly<Record<string, string | number | boolean>> = fingerprint;
    for (const k of [...new Set([...Object.keys(fp), ...Object.keys(ck.fingerprint)])]) {
      const v = fp[k];
      if (String(ck.fingerprint[k]) !== String(v)) {
        tf.dispose([ck.phi, ck.metaState, ck.best] as tf.TensorContainer[]);
        throw new Error(
          `resume: checkpoint ${options.checkpointPath} belongs to a different run (${k}: ${String(ck.fingerprint[k])} ≠ ${String(v)}); ` +
            'use the same settings or another checkpoint path',
        );
      }
    }
    phi = ck.phi;
    metaState = ck.metaState;
    best = ck.best;
    bestEpoch = ck.bestEpoch;
    bestValidation = ck.bestValidation;
    startEpoch = ck.epoch;
    history = [...ck.history];
    priorSeconds = ck.wallSeconds;
    skipped = ck.skippedUnrolls;
  } else {
    phi = options.initialMetaParams
      ? cloneMap(options.initialMetaParams)
      : learned.initMetaParams(Rng.seeded(seed, -1));
    metaState = metaOptimizer.init(phi);
    best = cloneMap(phi);
  }

  const t0 = performance.now();
  const elapsed = (): number => priorSeconds + (performance.now() - t0) / 1000;
  const emit = (e: Omit<MetaTrainProgress, 'epochs' | 'elapsedSeconds' | 'skippedUnrolls'>): void => {
    options.onProgress?.({ ...e, epochs, elapsedSeconds: elapsed(), skippedUnrolls: skipped });
  };
  if (resumeFrom) emit({ kind: 'resumed', epoch: startEpoch, bestValidation, bestEpoch });

  const save = (epochDone: number): void => {
    if (!options.checkpointPath) return;
    const ck: MetaCheckpoint = {
      epoch: epochDone,
      phi,
      metaState,
      best,
      bestEpoch,
      bestValidation,
      history,
      wallSeconds: elapsed(),
      skippedUnrolls: skipped,
      fingerprint,
    };
    writeCheckpoint(options.checkpointPath, ck);
    emit({ kind: 'checkpoint', epoch: epochDone, bestValidation, bestEpoch });
  };

  const validate = async (): Promise<number> => {
    const result = await evaluate({
      family: validationFamily,
      optimizers: [{ name: learned.name, optimizer: optimizerForEvaluation(learned, phi) }],
      problems: validationProblems,
      steps: horizon,
      seed: validationSeed(seed),
    });
    const curve = result.curves[0]!;
    if (metric === 'final') return curve.mean[horizon]!;
    let s = 0;
    for (let t = 1; t <= horizon; t++) s += curve.mean[t]!;
    return s / horizon;
  };

  let epoch = startEpoch;
  let stopped = false;
  const epochTimes: number[] = [];
  if (startEpoch === 0 && !resumeFrom) {
    // Validate the initial φ so that "best" is never worse than where training started.
    bestValidation = await validate();
    if (!Number.isFinite(bestValidation)) bestValidation = Number.POSITIVE_INFINITY;
    bestEpoch = 0;
    emit({ kind: 'validation', epoch: 0, validation: bestValidation, bestValidation, bestEpoch });
  }
  for (; epoch < epochs; ) {
    if (options.signal?.aborted) {
      stopped = true;
      break;
    }
    const te = performance.now();
    metaOptimizer = metaOptimizerAt(epoch);
    const rng = Rng.seeded(seed, epoch);
    const task = family.sample(rng.fork());
    const initRng = rng.fork();
    const batchRng = rng.fork();
    let theta = task.init(initRng);
    let state = learned.withMetaParams(phi).init(theta, { totalSteps: horizon });
    let batch = task.sampleBatch(batchRng);
    const first = lossAndGrad(task, theta, batch);
    disposeBatch(batch);
    first.loss.dispose();
    let grads: TensorMap = first.grads;
    let lossSum = 0;
    let lossCount = 0;
    for (let u = 0; u < horizon / unroll; u++) {
      const opt = learned.withMetaParams(phi);
      const thetaStart = theta;
      const stateStart = state;
      const gradSeq: TensorMap[] = [grads];
      const losses: tf.Scalar[] = [];
      // A learned optimizer may run the whole unroll through a fused kernel (forward saving its activations,
      // then an exact hand-written backward); it returns undefined where it cannot.
      const fused = options.fused === false ? undefined : learned.beginFusedUnroll?.(phi, stateStart);
      for (let k = 0; k < unroll; k++) {
        const step = tf.tidy(() => {
          if (fused) return { theta: addMaps(theta, fused.step(gradSeq[k]!, theta)), state };
          const s = opt.update(gradSeq[k]!, state, theta);
          return { theta: addMaps(theta, s.updates), state: s.state };
        });
        if (theta !== thetaStart) disposeMap(theta);
        // An optimizer may hand a state tensor through unchanged: never dispose what the new state holds.
        if (state !== stateStart) disposeExcept(state, step.state);
        theta = step.theta;
        state = step.state;
        batch = task.sampleBatch(batchRng);
        const lg = lossAndGrad(task, theta, batch);
        disposeBatch(batch);
        losses.push(lg.loss);
        gradSeq.push(lg.grads);
      }
      if (fused) state = fused.state();
      const w = weights.slice(u * unroll, (u + 1) * unroll);
      // With every weight of the unroll zero the meta-loss does not depend on φ: its gradient is 0 (tf.grads
      // would throw, finding no path from φ to the surrogate).
      const metaGrad = w.every((x) => x === 0)
        ? tf.tidy(() => Object.fromEntries(Object.entries(phi).map(([k, t]) => [k, tf.zerosLike(t)])))
        : fused
          ? fused.metaGradient(gradSeq, w)
          : unrollMetaGradient(learned, phi, thetaStart, stateStart, gradSeq, w);
      fused?.dispose();
      const stacked = tf.stack(losses);
      const lossValues = stacked.dataSync() as Float32Array;
      tf.dispose([stacked, ...losses]);
      for (const v of lossValues) {
        lossSum += v;
        lossCount++;
      }
      const allFinite = tf.tidy(() => tf.all(tf.isFinite(tf.stack(Object.values(metaGrad).map((g) => tf.sum(g))))));
      const finite = allFinite.dataSync()[0] === 1;
      allFinite.dispose();
      if (finite) {
        const ms = tf.tidy(() => metaOptimizer.update(metaGrad, metaState, phi));
        const next = tf.tidy(() => addMaps(phi, ms.updates));
        disposeMap(ms.updates);
        if (phi !== best) disposeMap(phi);
        disposeExcept(metaState, ms.state);
        phi = next;
        metaState = ms.state;
      } else {
        skipped++;
      }
      disposeMap(metaGrad);
      if (thetaStart !== theta) disposeMap(thetaStart);
      if (stateStart !== state) disposeExcept(stateStart, state);
      grads = gradSeq[unroll]!;
      for (let k = 0; k < unroll; k++) disposeMap(gradSeq[k]);
    }
    disposeMap(grads);
    disposeMap(theta);
    tf.dispose(state);
    task.dispose?.();
    epoch++;
    const metaLoss = lossSum / Math.max(1, lossCount);
    const entry: { epoch: number; metaLoss: number; validation?: number } = { epoch, metaLoss };
    epochTimes.push((performance.now() - te) / 1000);
    const recent = epochTimes.slice(-20);
    const perEpoch = recent.reduce((a, b) => a + b, 0) / recent.length;
    emit({ kind: 'epoch', epoch, metaLoss, bestValidation, bestEpoch, etaSeconds: perEpoch * (epochs - epoch) });
    if (epoch % validateEvery === 0 || epoch === epochs) {
      const v = await validate();
      entry.validation = v;
      if (Number.isFinite(v) && v < bestValidation) {
        bestValidation = v;
        bestEpoch = epoch;
        disposeMap(best);
        best = cloneMap(phi);
      }
      emit({ kind: 'validation', epoch, validation: v, bestValidation, bestEpoch });
      history.push(entry);
      save(epoch);
    } else {
      history.push(entry);
    }
    await new Promise((r) => setImmediate(r));
  }
  if (stopped) save(epoch);
  tf.dispose(metaState);
  return {
    metaParams: best === phi ? cloneMap(best) : best,
    lastMetaParams: phi,
    bestEpoch,
    bestValidation,
    history,
    epochsDone: epoch,
    stopped,
    wallSeconds: elapsed(),
    skippedUnrolls: skipped,
  };
}
