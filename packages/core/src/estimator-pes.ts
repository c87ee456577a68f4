import * as tf from '@tensorflow/tfjs';
import type { EstimatorOptions, MetaGradientEstimate, MetaGradientEstimator } from './estimator.js';
import { checkObjective, transformLoss, truncationWeights } from './meta-objective.js';
import type { MetaSlot } from './meta-slot.js';
import { Rng } from './rng.js';
import { cloneContainer, disposeExcept } from './tensor-container.js';
import { addMaps, disposeMap, orderedKeys } from './tensor-map.js';
import { forwardTruncation, startEpisode, truncationSteps, type UnrollTensors } from './truncation.js';
import { optimizerForEvaluation } from './types.js';
import type { BatchData, Optimizee, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

export interface PesOptions<State extends tf.TensorContainer> extends EstimatorOptions<State> {
  /** Standard deviation σ of the perturbations of φ. Default 0.01. */
  readonly sigma?: number;
}

/** Slot tensors of the PES estimator: the two antithetic trajectories and the accumulated perturbation ξ. */
export type PesTensors = {
  readonly plus: UnrollTensors;
  readonly minus: UnrollTensors;
  readonly accumulator: TensorMap;
};

/**
 * Persistent evolution strategies (Vicol, Metz & Sohl-Dickstein, ICML 2021), with antithetic pairs. Each slot
 * carries two trajectories, run under φ + ε and φ − ε with fresh ε ~ N(0, σ²I) every truncation on the same
 * minibatches, and the sum ξ of the ε of its episode so far (reset to 0 when an episode starts). For truncation j:
 *
 *   ξ ← ξ + ε_j,   ĝ_j = (L⁺_j − L⁻_j) / (2σ²) · ξ,   L±_j = Σ_{t ∈ truncation j} w_t τ(f(θ±_t)).
 *
 * Summed over an episode, ĝ is an unbiased estimate of ∇_φ of the Gaussian-smoothed objective
 * E_ε[Σ_t w_t τ(f(θ_t))] in which truncation j runs under φ + ε_j — no bias from truncation, unlike truncated BPTT.
 * Forward passes only (the optimizer's inference path where it has one): no tape, memory independent of K.
 */
export function pesEstimator<State extends tf.TensorContainer>(options: PesOptions<State>): MetaGradientEstimator {
  const { learned, unroll } = options;
  const sigma = options.sigma ?? 0.01;
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
    throw new L2oError('INVALID_OPTION', `pesSigma: must be a finite number > 0, got ${String(sigma)}`);
  }
  const weighting = options.lossWeights ?? 'uniform';
  const transform = options.lossTransform ?? 'none';
  checkObjective(weighting, transform);
  return {
    name: 'pes',
    config: {
      estimator: 'pes',
      sigma,
      unroll,
      lossWeights: typeof weighting === 'string' ? weighting : [...weighting],
      lossTransform: transform,
    },
    estimate(phi: TensorMap, slot: MetaSlot, problem: Optimizee<BatchData>): MetaGradientEstimate {
      const { info } = slot;
      const steps = truncationSteps(info, unroll);
      const batchRng = Rng.fromState(info.batchRng);
      let initialLoss = info.initialLoss ?? Number.NaN;
      let input = slot.tensors as PesTensors | null;
      const fresh = input === null;
      if (input === null) {
        const started = startEpisode(learned, phi, problem, info, batchRng);
        initialLoss = started.initialLoss;
        const accumulator = tf.tidy(() =>
          Object.fromEntries(Object.entries(phi).map(([k, t]) => [k, tf.zerosLike(t)])),
        );
        input = { plus: started.tensors, minus: cloneContainer(started.tensors), accumulator };
      }
      const noise = Rng.fromState(info.noiseRng);
      const eps: Record<string, tf.Tensor> = {};
      for (const k of orderedKeys(phi)) {
        const p = phi[k]!;
        eps[k] = tf.tensor(noise.normalArray(p.size, 0, sigma), p.shape, 'float32');
      }
      const phiPlus = addMaps(phi, eps);
      const phiMinus = tf.tidy(() => Object.fromEntries(Object.entries(phi).map(([k, t]) => [k, tf.sub(t, eps[k]!)])));
      const batchesAt = batchRng.state();
      const run = (start: UnrollTensors, p: TensorMap, rng: Rng) => {
        const opt = optimizerForEvaluation(learned, p);
        const fwd = forwardTruncation(
          problem,
          start,
          rng,
          steps,
          (g, th, st) => {
            const s = opt.update(g, st as State, th);
            return { theta: addMaps(th, s.updates), state: s.state };
          },
          false,
        );
        const end: UnrollTensors = { theta: fwd.theta, state: fwd.state, grads: fwd.grads[fwd.grads.length - 1]! };
        return { end, losses: fwd.losses.map((f) => transformLoss(transform, f, initialLoss)) };
      };
      // Both trajectories see the same minibatches (common random numbers).
      const plusRng = Rng.fromState(batchesAt);
      const plus = run(input.plus, phiPlus, plusRng);
      const minus = run(input.minus, phiMinus, Rng.fromState(batchesAt));
      const w = truncationWeights(weighting, info.step, steps, info.horizon);
      let lPlus = 0;
      let lMinus = 0;
      for (let k = 0; k < steps; k++) {
        if (w[k] === 0) continue;
        lPlus += w[k]! * plus.losses[k]!;
        lMinus += w[k]! * minus.losses[k]!;
      }
      const coefficient = (lPlus - lMinus) / (2 * sigma * sigma);
      const accumulator = addMaps(input.accumulator, eps);
      const metaGradient = tf.tidy(() =>
        Object.fromEntries(Object.entries(accumulator).map(([k, a]) => [k, tf.mul(a, coefficient)])),
      );
      [eps, phiPlus, phiMinus].forEach(disposeMap);
      const tensors: PesTensors = { plus: plus.end, minus: minus.end, accumulator };
      if (fresh) disposeExcept(input, tensors);
      return {
        metaGradient,
        losses: plus.losses.map((l, k) => (l + minus.losses[k]!) / 2),
        slot: {
          info: { ...info, step: info.step + steps, batchRng: plusRng.state(), noiseRng: noise.state(), initialLoss },
          tensors,
        },
      };
    },
  };
}
