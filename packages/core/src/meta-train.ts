import * as tf from '@tensorflow/tfjs';
import { ensureEngine } from './engine/engine.js';
import { inProcessExecutor } from './executor.js';
import { runMetaStep } from './meta-step.js';
import { runFingerprint } from './meta-train-fingerprint.js';
import {
  resolveMetaTrainSettings,
  type MetaTrainOptions,
  type MetaTrainResult,
  type MetaTrainSettings,
} from './meta-train-options.js';
import type { ProgressReporter } from './meta-train-progress.js';
import { progressReporter } from './meta-train-progress.js';
import { freshRun, restoreRun, type RunState } from './meta-train-run.js';
import { saveRun } from './meta-train-run.js';
import { validator } from './meta-train-validation.js';
import { cloneMap, disposeMap } from './tensor-map.js';
import type { BatchData, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

export type {
  EstimatorName,
  MetaTrainHistoryEntry,
  MetaTrainOptions,
  MetaTrainProgress,
  MetaTrainResult,
  ValidationMetric,
} from './meta-train-options.js';
export { ESTIMATORS, VALIDATION_METRICS } from './meta-train-options.js';

/** Lets timers, I/O and (in a browser) rendering run between meta-steps. */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown };
  return new Promise((resolve) => {
    if (typeof g.setImmediate === 'function') g.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/** Closes the epoch that just ended: history entry, validation every `validateEvery` epochs (keeping the best φ). */
async function endEpoch(
  s: MetaTrainSettings,
  run: RunState,
  validate: (phi: TensorMap) => Promise<number>,
  progress: ProgressReporter,
  save: () => Promise<void>,
): Promise<void> {
  const epoch = run.metaStep / s.metaStepsPerEpoch;
  const metaLoss = run.epochLossSum / Math.max(1, run.epochLossCount);
  run.epochLossSum = 0;
  run.epochLossCount = 0;
  const entry: { epoch: number; metaLoss: number; validation?: number } = { epoch, metaLoss };
  progress.emit({ kind: 'epoch', epoch, metaLoss });
  if (epoch % s.validateEvery !== 0 && epoch !== s.epochs) {
    run.history.push(entry);
    return;
  }
  const v = await validate(run.phi);
  entry.validation = v;
  if (Number.isFinite(v) && v < run.bestValidation) {
    run.bestValidation = v;
    run.bestEpoch = epoch;
    disposeMap(run.best);
    run.best = cloneMap(run.phi);
  }
  progress.emit({ kind: 'validation', epoch, validation: v });
  run.history.push(entry);
  await save();
}

/**
 * Meta-trains a learned optimizer on L(φ) = E_f[Σ_t w_t τ(f(θ_t))]. Every meta-step advances each of
 * `tasksPerStep` slots — a problem, its θ, optimizer state and step, under its own random streams — by one
 * truncation of K steps under the current φ, averages the slots' meta-gradients (from truncated BPTT or PES) in
 * slot order and takes one `metaOptimizer` step on φ; a slot whose episode reaches its horizon starts a new one.
 * Every epoch (`metaStepsPerEpoch` meta-steps) adds a history entry; every `validateEvery` epochs φ is validated
 * on held-out problems, the best φ kept and a checkpoint written. Deterministic for a given seed and backend; a
 * run stopped and resumed — at any meta-step — ends with the same φ, bit for bit.
 */
export async function metaTrain<Batch extends BatchData, State extends tf.TensorContainer>(
  options: MetaTrainOptions<Batch, State>,
): Promise<MetaTrainResult> {
  const s = resolveMetaTrainSettings(options);
  await ensureEngine('metaTrain');
  const fingerprint = runFingerprint(s, options.runInfo);
  const store = options.checkpointStore;
  if (store === undefined && options.checkpointPath !== undefined) {
    throw new L2oError(
      'UNSUPPORTED',
      'metaTrain: checkpointPath needs file access: use metaTrain from "@l2o/core/node", or pass checkpointStore',
    );
  }
  const saved = options.resume && store ? await store.read() : undefined;
  const resuming = saved !== undefined;
  const run =
    saved !== undefined && store
      ? restoreRun(s, saved, store.name, fingerprint)
      : freshRun(s, options.initialMetaParams);
  const progress = progressReporter(s, run, options.onProgress);
  const validate = validator(s);
  const executor = options.executor ?? inProcessExecutor();
  const epochsDone = (): number => Math.floor(run.metaStep / s.metaStepsPerEpoch);
  const save = async (): Promise<void> => {
    if (!store) return;
    await saveRun(store, run, fingerprint, progress.elapsed());
    progress.emit({ kind: 'checkpoint', epoch: epochsDone() });
  };
  let stopped = false;
  try {
    if (resuming) progress.emit({ kind: 'resumed', epoch: epochsDone() });
    else {
      // Validate the initial φ so that "best" is never worse than where training started.
      const v0 = await validate(run.phi);
      run.bestValidation = Number.isFinite(v0) ? v0 : Number.POSITIVE_INFINITY;
      run.bestEpoch = 0;
      progress.emit({ kind: 'validation', epoch: 0, validation: run.bestValidation });
    }
    while (run.metaStep < s.metaSteps) {
      if (options.signal?.aborted) {
        stopped = true;
        break;
      }
      const t0 = performance.now();
      const metaLoss = await runMetaStep(s, run, executor);
      progress.stepTimed((performance.now() - t0) / 1000);
      progress.emit({ kind: 'step', epoch: epochsDone(), metaLoss });
      if (run.metaStep % s.metaStepsPerEpoch === 0) await endEpoch(s, run, validate, progress, save);
      await yieldToEventLoop();
    }
    if (stopped) await save();
  } finally {
    if (!options.executor) executor.dispose();
  }
  for (const slot of run.slots) if (slot.tensors !== null) tf.dispose(slot.tensors);
  tf.dispose(run.metaState);
  return {
    metaParams: run.best === run.phi ? cloneMap(run.best) : run.best,
    lastMetaParams: run.phi,
    bestEpoch: run.bestEpoch,
    bestValidation: run.bestValidation,
    history: run.history,
    epochsDone: epochsDone(),
    metaSteps: run.metaStep,
    stopped,
    wallSeconds: progress.elapsed(),
    skippedUnrolls: run.skipped,
    droppedGradients: run.dropped,
    resetSlots: run.resets,
    episodes: run.episodes,
  };
}
