/**
 * The secant start: at the second step, each tensor's learning rate jumps to the best multiple of its first step
 * along that step's line, as far as the change of the gradient across the step measures it.
 *
 * At step 1 every direction of the hyper optimizer is d₀ = g₀/(|g₀| + ε) per parameter (m̂ = m̂₂ = g₀, v̂ = g₀²), so
 * the first update is u₀ = −η·d₀ for some η > 0 and d₀, g₀ can be read back from the state after step 1 (m₁ = (1 − β₁)g₀,
 * v₁ = (1 − β₂)g₀²). Along the line θ₀ + a·u₀ a quadratic model through g₀ and g₁ (the gradient at a = 1) has its
 * minimum at a* = ⟨g₀, d₀⟩ / ⟨g₀ − g₁, d₀⟩: exact on a quadratic, and the secant (Barzilai–Borwein) step size in
 * general. The tensor's log rate offset δ then grows by ln clamp(factor·a*, 1, SECANT_MAX_FACTOR): never down (cuts
 * are the controller's job) and only where the curvature along u₀ is positive. With minibatch noise g₁ − g₀ is mostly
 * noise and a* stays near 1; on deterministic problems whose best rate is far above the starting one (quadratics,
 * Rosenbrock) the rate is there at step 2 instead of after tens of steps of ramping.
 */

import type { TensorMap } from '@l2o/core';

/** The largest jump: the rate grows by at most this factor at step 2. */
export const SECANT_MAX_FACTOR = 1000;

/** The two sums of one tensor: ⟨g₀, d₀⟩ and ⟨g₀ − g₁, d₀⟩. */
export type SecantSums = { readonly num: number; readonly den: number };

/**
 * The sums from step 2's gradient `g` and the state after step 1 (`m1`, `v1`: the fast momentum and the second
 * moment), in float64.
 */
export function secantSums(
  g: ArrayLike<number>,
  m1: ArrayLike<number>,
  v1: ArrayLike<number>,
  beta1: number,
  beta2: number,
  epsilon: number,
): SecantSums {
  let num = 0;
  let den = 0;
  for (let j = 0; j < g.length; j++) {
    const g0 = m1[j]! / (1 - beta1);
    const d0 = g0 / (Math.sqrt(v1[j]! / (1 - beta2)) + epsilon);
    num += g0 * d0;
    den += (g0 - g[j]!) * d0;
  }
  return { num, den };
}

/** ln of the rate's factor at step 2 for one tensor's sums (0 where the curvature along u₀ is not positive). */
export function secantJump(sums: SecantSums, factor: number): number {
  if (!(factor > 0) || !(sums.den > 0) || !(sums.num > 0)) return 0;
  const a = (factor * sums.num) / sums.den;
  if (!Number.isFinite(a)) return Math.log(SECANT_MAX_FACTOR);
  return Math.log(Math.min(SECANT_MAX_FACTOR, Math.max(1, a)));
}

/**
 * Every tensor's jump (ln of its rate factor) at step `t`, in `keys` order: only at t = 2 with `secantStart` > 0,
 * else undefined. Shared by every path of a step (the jump does not depend on φ, so the differentiable path takes it
 * as a constant too); it reads the tensors once per run.
 */
export function secantJumps(
  config: { readonly secantStart: number; readonly beta1: number; readonly beta2: number; readonly epsilon: number },
  t: number,
  keys: readonly string[],
  grads: TensorMap,
  m1: TensorMap,
  v1: TensorMap,
): number[] | undefined {
  if (t !== 2 || !(config.secantStart > 0)) return undefined;
  return keys.map((k) =>
    secantJump(
      secantSums(
        grads[k]!.dataSync(),
        m1[k]!.dataSync(),
        v1[k]!.dataSync(),
        config.beta1,
        config.beta2,
        config.epsilon,
      ),
      config.secantStart,
    ),
  );
}
