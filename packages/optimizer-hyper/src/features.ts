/**
 * The controller's inputs: one row of FEATURE_COUNT numbers per parameter tensor. Both implementations (the
 * differentiable tfjs one and the fast JS one) compute exactly these, clipped to ±FEATURE_CLIP.
 *
 * Per tensor, from the step's gradient g, the previous fast momentum m₋, the bias-corrected moments and θ:
 *  0 cos(g, m₋)                     agreement of the new gradient with the momentum (0 at the first step)
 *  1 EMA_0.5 of (0)                 …its recent average (state e1)
 *  2 EMA_0.9 of (0)                 …its longer average (state e2)
 *  3 ln(rms(m̂/√v̂) + 1e-8)          signal-to-noise of the tensor's gradients
 *  4 ½ ln(mean(g²)/mean(v̂) + 1e-8)  a gradient spike against its running scale
 *  5 ln(lr·rms(m̂/√v̂) + 1e-12) − ln(rms(θ) + 1e-3)   the size of an Adam-like step relative to the weights
 *  6 δ                              the tensor's current log learning-rate offset (state lr)
 *  7 ln(rms(θ) + 1e-8)              the weights' scale
 *  8 ln(size) / 10                  the tensor's size
 *  9 1 for a vector (rank ≤ 1), else 0
 * 10 min(t/T, 2) when the run length T is known, else 0
 * 11 1 when T is known, else 0
 * 12–14 tanh(t/10), tanh(t/100), tanh(t/1000)
 * 15–17 the means over all tensors of (0), (3) and (4)
 */
export const FEATURE_NAMES = [
  'cos-g-momentum',
  'cos-ema-fast',
  'cos-ema-slow',
  'log-snr',
  'log-spike',
  'log-relative-step',
  'lr-offset',
  'log-param-scale',
  'log-size',
  'is-vector',
  'progress',
  'has-total-steps',
  'time-10',
  'time-100',
  'time-1000',
  'mean-cos',
  'mean-log-snr',
  'mean-log-spike',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;
/** Every feature is clipped to [−FEATURE_CLIP, FEATURE_CLIP]. */
export const FEATURE_CLIP = 10;
/** Decays of the two averages of cos(g, m₋). */
export const COS_DECAY_FAST = 0.5;
export const COS_DECAY_SLOW = 0.9;
/** The tensor's log learning-rate offset δ stays within ±DELTA_LIMIT. */
export const DELTA_LIMIT = 10;
/** The schedule factor's log range: s = SCHEDULE_MIN + SCHEDULE_SPAN·sigmoid(o₁) ∈ [−3, 1]. */
export const SCHEDULE_MIN = -3;
export const SCHEDULE_SPAN = 4;
/** Number of controller outputs: Δδ, schedule, three mixing logits. */
export const OUTPUT_COUNT = 5;

/** The time features 10–14 (identical for every tensor). */
export function timeFeatures(t: number, totalSteps: number): [number, number, number, number, number] {
  return [
    totalSteps > 0 ? Math.min(t / totalSteps, 2) : 0,
    totalSteps > 0 ? 1 : 0,
    Math.tanh(t / 10),
    Math.tanh(t / 100),
    Math.tanh(t / 1000),
  ];
}

/** Bias corrections 1 − βᵗ of the three accumulators at step t (1-based). */
export function biasCorrections(
  t: number,
  beta1: number,
  beta2: number,
  beta3: number,
): { readonly c1: number; readonly c2: number; readonly c3: number } {
  return { c1: 1 - beta1 ** t, c2: 1 - beta2 ** t, c3: 1 - beta3 ** t };
}
