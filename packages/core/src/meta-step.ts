import * as tf from '@tensorflow/tfjs';
import type { MetaGradientEstimate } from './estimator.js';
import type { MetaStepExecutor } from './executor.js';
import type { MetaTrainSettings } from './meta-train-options.js';
import { nextEpisodeSlot, type RunState } from './meta-train-run.js';
import { disposeExcept } from './tensor-container.js';
import { addMaps, disposeMap } from './tensor-map.js';
import type { TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** Whether every tensor of a meta-gradient sums to a finite number. */
export function isFiniteMetaGradient(g: TensorMap): boolean {
  const allFinite = tf.tidy(() => tf.all(tf.isFinite(tf.stack(Object.values(g).map((t) => tf.sum(t))))));
  const finite = allFinite.dataSync()[0] === 1;
  allFinite.dispose();
  return finite;
}

/** The mean of meta-gradients, summed in the order given (so the result does not depend on scheduling). */
export function averageMetaGradients(grads: readonly TensorMap[]): TensorMap {
  if (grads.length === 0) throw new L2oError('INVALID_OPTION', 'averageMetaGradients: no gradients');
  return tf.tidy(() => {
    const out: Record<string, tf.Tensor> = {};
    for (const k of Object.keys(grads[0]!)) {
      let acc = grads[0]![k]!;
      for (let i = 1; i < grads.length; i++) acc = tf.add(acc, grads[i]![k]!);
      out[k] = grads.length === 1 ? tf.clone(acc) : tf.div(acc, grads.length);
    }
    return out;
  });
}

/**
 * Takes a slot's result into the run: frees what the old slot held, counts a non-finite loss, and starts a new
 * episode where this one reached its horizon (or went non-finite, with `resetNonFinite`).
 */
function settleSlot(s: MetaTrainSettings, run: RunState, i: number, r: MetaGradientEstimate): void {
  const old = run.slots[i]!;
  if (old.tensors !== null) disposeExcept(old.tensors, r.slot.tensors ?? []);
  const reset = s.resetNonFinite && r.losses.some((v) => !Number.isFinite(v));
  if (reset) run.resets++;
  if (reset || r.slot.info.step >= r.slot.info.horizon) {
    if (r.slot.tensors !== null) tf.dispose(r.slot.tensors);
    run.episodes++;
    run.slots[i] = nextEpisodeSlot(s, run, run.metaStep + 1);
  } else {
    run.slots[i] = r.slot;
  }
}

/**
 * φ ← φ + update of the meta-optimizer for `metaGradient` (its learning rate scaled per meta-step if scheduled,
 * and per tensor by `metaLearningRateScale`).
 */
function applyMetaGradient(s: MetaTrainSettings, run: RunState, metaGradient: TensorMap): void {
  const ms = tf.tidy(() => s.metaOptimizer.update(metaGradient, run.metaState, run.phi));
  const lr = s.metaLearningRate?.(run.metaStep) ?? 1;
  const factor = (k: string): number => lr * (s.metaLearningRateScale[k] ?? 1);
  const next = tf.tidy(() =>
    addMaps(
      run.phi,
      Object.fromEntries(Object.entries(ms.updates).map(([k, u]) => [k, factor(k) === 1 ? u : tf.mul(u, factor(k))])),
    ),
  );
  disposeMap(ms.updates);
  if (run.phi !== run.best) disposeMap(run.phi);
  disposeExcept(run.metaState, ms.state);
  run.phi = next;
  run.metaState = ms.state;
}

/**
 * One meta-step: every slot advanced by one truncation under the current φ (by the executor), the finite
 * meta-gradients averaged in slot order and applied; non-finite ones dropped (a step with none is skipped).
 * Returns the mean τ(f) over the step's losses.
 */
export async function runMetaStep(s: MetaTrainSettings, run: RunState, executor: MetaStepExecutor): Promise<number> {
  const results = await executor.run({
    phi: run.phi,
    metaStep: run.metaStep,
    slots: run.slots,
    estimator: s.estimator,
    family: s.family,
  });
  if (results.length !== run.slots.length) {
    throw new L2oError(
      'INTERNAL',
      `executor ${executor.name}: returned ${results.length} results for ${run.slots.length} slots`,
    );
  }
  let stepSum = 0;
  let stepCount = 0;
  const finite: TensorMap[] = [];
  results.forEach((r, i) => {
    for (const v of r.losses) {
      run.epochLossSum += v;
      run.epochLossCount++;
      stepSum += v;
      stepCount++;
    }
    if (isFiniteMetaGradient(r.metaGradient)) finite.push(r.metaGradient);
    else run.dropped++;
    settleSlot(s, run, i, r);
  });
  if (finite.length === 0) run.skipped++;
  else if (finite.length === 1) applyMetaGradient(s, run, finite[0]!);
  else {
    const mean = averageMetaGradients(finite);
    applyMetaGradient(s, run, mean);
    disposeMap(mean);
  }
  for (const r of results) disposeMap(r.metaGradient);
  run.metaStep++;
  return stepSum / Math.max(1, stepCount);
}
