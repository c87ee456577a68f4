import * as tf from '@tensorflow/tfjs';
import { addMaps, dotMaps, orderedKeys } from './tensor-map.js';
import type { LearnedOptimizer, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/**
 * The meta-gradient of one truncated unroll, in the exact form that holds when the optimizee's gradients are
 * treated as constants (DESIGN.md §3).
 *
 * With ∇_k fixed, L = Σ_{k=1..K} w_k f(θ_k) has dL/dφ = Σ_k w_k ∇_kᵀ dθ_k/dφ. So the gradient of the
 * surrogate S(φ) = Σ_k w_k ⟨stop(∇_k), θ_k(φ)⟩ — where θ_k(φ) = θ_0 + Σ_{j<k} g_j(φ) is replayed through the
 * optimizer with the recorded gradients as its inputs — equals dL/dφ exactly. No optimizee forward pass is
 * taped; only the optimizer's own computation is. Updates that depend on θ are covered too, since θ_k is
 * rebuilt on the tape.
 *
 * @param grads ∇_0 … ∇_K: the gradients the forward pass fed to the optimizer (∇_0 … ∇_{K−1}) plus ∇_K, the
 *   gradient at the unroll's last iterate; each taken on the same minibatch as the loss f(θ_k) it belongs to.
 * @param weights w_1 … w_K.
 * @returns dL/dφ keyed like `phi`. The caller owns the tensors.
 */
export function unrollMetaGradient<State extends tf.TensorContainer>(
  learned: LearnedOptimizer<State>,
  phi: TensorMap,
  thetaStart: TensorMap,
  stateStart: State,
  grads: readonly TensorMap[],
  weights: readonly number[],
): TensorMap {
  const K = grads.length - 1;
  if (K < 1)
    throw new L2oError('INVALID_OPTION', 'unrollMetaGradient: need at least two gradients (an unroll of one step)');
  if (weights.length !== K)
    throw new L2oError('SHAPE_MISMATCH', `unrollMetaGradient: weights has ${weights.length} entries, expected ${K}`);
  const keys = orderedKeys(phi);
  return tf.tidy(() => {
    const surrogate = (...values: tf.Tensor[]): tf.Scalar => {
      const p: Record<string, tf.Tensor> = {};
      keys.forEach((k, i) => {
        p[k] = values[i]!;
      });
      const opt = learned.withMetaParams(p);
      let theta = thetaStart;
      let state = stateStart;
      const terms: tf.Scalar[] = [];
      for (let k = 0; k < K; k++) {
        const step = opt.update(grads[k]!, state, theta);
        theta = addMaps(theta, step.updates);
        state = step.state;
        const w = weights[k]!;
        if (w !== 0) terms.push(tf.mul(dotMaps(grads[k + 1]!, theta), w));
      }
      return (terms.length > 0 ? tf.addN(terms) : tf.scalar(0)) as tf.Scalar;
    };
    const g = tf.grads(surrogate)(keys.map((k) => phi[k]!));
    const out: Record<string, tf.Tensor> = {};
    keys.forEach((k, i) => {
      out[k] = g[i]!;
    });
    return out;
  });
}
