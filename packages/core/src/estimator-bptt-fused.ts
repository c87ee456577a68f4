import type * as tf from '@tensorflow/tfjs';
import type { EstimatorOptions, MetaGradientEstimator } from './estimator.js';
import { bpttWith, tapeEngine, type BpttEngine } from './estimator-bptt.js';
import { addMaps } from './tensor-map.js';

/**
 * Truncated BPTT through the learned optimizer's fused unroll (`beginFusedUnroll`: a kernel that runs the forward
 * saving its activations, then an exact hand-written backward). Same meta-gradient as {@link bpttEstimator} within
 * float32 tolerance; where the optimizer offers no fused unroll (or declines one for a state), the truncation runs
 * through the tape replay instead.
 */
export function fusedBpttEstimator<State extends tf.TensorContainer>(
  options: EstimatorOptions<State>,
): MetaGradientEstimator {
  const { learned } = options;
  const fused: BpttEngine = {
    begin(phi, start) {
      const unroll = learned.beginFusedUnroll?.(phi, start.state as State);
      if (unroll === undefined) return undefined;
      return {
        // θ moves by the kernel's updates; the state lives inside the kernel until the end of the truncation.
        advance: (grads, theta, state) => ({ theta: addMaps(theta, unroll.step(grads, theta)), state }),
        endState: () => unroll.state(),
        metaGradient: (grads, weights) => unroll.metaGradient(grads, weights),
        dispose: () => unroll.dispose(),
      };
    },
  };
  return bpttWith('bptt-fused', options, fused, tapeEngine(learned));
}
