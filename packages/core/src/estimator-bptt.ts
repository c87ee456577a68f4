import * as tf from '@tensorflow/tfjs';
import type { EstimatorOptions, MetaGradientEstimate, MetaGradientEstimator } from './estimator.js';
import { unrollMetaGradient } from './meta-gradient.js';
import { checkObjective, surrogateWeights, transformLoss, truncationWeights } from './meta-objective.js';
import type { MetaSlot } from './meta-slot.js';
import { Rng } from './rng.js';
import { disposeExcept } from './tensor-container.js';
import { addMaps, disposeMap } from './tensor-map.js';
import { forwardTruncation, startEpisode, truncationSteps, type UnrollTensors } from './truncation.js';
import type { BatchData, LearnedOptimizer, Optimizee, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** One truncation of a {@link BpttEngine}. */
export interface BpttRun {
  /** The next θ and state (called inside `tf.tidy`). */
  advance(
    grads: TensorMap,
    theta: TensorMap,
    state: tf.TensorContainer,
  ): { theta: TensorMap; state: tf.TensorContainer };
  /** The optimizer state after the truncation, given the state the forward pass ended with. Owned by the caller. */
  endState(forwardEnd: tf.TensorContainer): tf.TensorContainer;
  /** dL/dφ of the truncation (`unrollMetaGradient`'s arguments and result). */
  metaGradient(grads: readonly TensorMap[], weights: readonly number[]): TensorMap;
  /** Frees the run's resources. */
  dispose(): void;
}

/**
 * How a BPTT estimator turns the forward pass of a truncation into dL/dφ: the generic replay on a tfjs tape, or a
 * learned optimizer's fused kernel. `begin` may return undefined (then the fallback engine runs this truncation).
 */
export interface BpttEngine {
  begin(phi: TensorMap, start: UnrollTensors): BpttRun | undefined;
}

/** The generic engine: `withMetaParams(φ).update` forward, `unrollMetaGradient` (the surrogate replay) backward. */
export function tapeEngine<State extends tf.TensorContainer>(learned: LearnedOptimizer<State>): BpttEngine {
  return {
    begin(phi, start) {
      const opt = learned.withMetaParams(phi);
      return {
        advance(grads, theta, state) {
          const s = opt.update(grads, state as State, theta);
          return { theta: addMaps(theta, s.updates), state: s.state };
        },
        endState: (forwardEnd) => forwardEnd,
        metaGradient: (grads, weights) =>
          unrollMetaGradient(learned, phi, start.theta, start.state as State, grads, weights),
        dispose() {},
      };
    },
  };
}

/**
 * Truncated BPTT through a BPTT engine (shared by the tape and the fused estimators). Slot tensors: `{ theta, state,
 * grads }` ({@link UnrollTensors}).
 */
export function bpttWith<State extends tf.TensorContainer>(
  name: string,
  options: EstimatorOptions<State>,
  engine: BpttEngine,
  fallback?: BpttEngine,
): MetaGradientEstimator {
  const { learned, unroll } = options;
  const weighting = options.lossWeights ?? 'uniform';
  const transform = options.lossTransform ?? 'none';
  checkObjective(weighting, transform);
  return {
    name,
    config: {
      estimator: name,
      unroll,
      lossWeights: typeof weighting === 'string' ? weighting : [...weighting],
      lossTransform: transform,
    },
    estimate(phi: TensorMap, slot: MetaSlot, problem: Optimizee<BatchData>): MetaGradientEstimate {
      const { info } = slot;
      const steps = truncationSteps(info, unroll);
      const batchRng = Rng.fromState(info.batchRng);
      let start = slot.tensors as UnrollTensors | null;
      let initialLoss = info.initialLoss ?? Number.NaN;
      const fresh = start === null;
      if (start === null) ({ tensors: start, initialLoss } = startEpisode(learned, phi, problem, info, batchRng));
      const run = engine.begin(phi, start) ?? fallback?.begin(phi, start);
      if (run === undefined) throw new L2oError('UNSUPPORTED', `${name}: no unroll engine for this optimizer`);
      const fwd = forwardTruncation(problem, start, batchRng, steps, run.advance, true);
      const state = run.endState(fwd.state);
      const w = truncationWeights(weighting, info.step, steps, info.horizon);
      // With every weight of the truncation zero the meta-loss does not depend on φ: its gradient is 0 (tf.grads
      // would throw, finding no path from φ to the surrogate).
      const metaGradient = w.every((x) => x === 0)
        ? tf.tidy(() => Object.fromEntries(Object.entries(phi).map(([k, t]) => [k, tf.zerosLike(t)])))
        : run.metaGradient(fwd.grads, surrogateWeights(transform, w, fwd.losses, initialLoss));
      run.dispose();
      const tensors: UnrollTensors = { theta: fwd.theta, state, grads: fwd.grads[steps]! };
      for (let k = 1; k < steps; k++) disposeMap(fwd.grads[k]);
      if (fresh) disposeExcept(start, tensors);
      return {
        metaGradient,
        losses: fwd.losses.map((f) => transformLoss(transform, f, initialLoss)),
        slot: { info: { ...info, step: info.step + steps, batchRng: batchRng.state(), initialLoss }, tensors },
      };
    },
  };
}

/**
 * Truncated BPTT through the generic replay of the unroll on a tfjs tape (`unrollMetaGradient`, the surrogate
 * replay of docs/design.md): exact for the truncation with the optimizee's gradients treated as constants; works
 * for every learned optimizer.
 */
export function bpttEstimator<State extends tf.TensorContainer>(
  options: EstimatorOptions<State>,
): MetaGradientEstimator {
  return bpttWith('bptt', options, tapeEngine(options.learned));
}
