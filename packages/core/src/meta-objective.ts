import { L2oError } from './l2o-error.js';
/**
 * The meta-objective of one episode: L = Σ_t w_t · τ(f(θ_t)), t = 1…T, with loss weights w_t given as a rule of
 * (t, T) or an explicit array, and a per-task loss transform τ that lets problems of very different loss scales be
 * mixed in one meta-gradient.
 */

/** Names of the loss-weight rules: 'uniform' (w_t = 1, the paper) and 'linear' (w_t = 2t/(T+1), late-weighted). */
export const LOSS_WEIGHT_RULES = ['uniform', 'linear'] as const;
export type LossWeightRule = (typeof LOSS_WEIGHT_RULES)[number];
/** A loss-weight rule, or explicit weights w_1…w_T (only with a fixed horizon T). */
export type LossWeighting = LossWeightRule | readonly number[];

/**
 * Loss transforms τ: 'none' (f), 'relative' (f / f(θ₀), the episode's initial loss) and 'log' (log f; for the BPTT
 * surrogate this is the weight w_t / f_t, a constant, since the trainer treats values along the trajectory as
 * constants). 'log' needs positive losses.
 */
export const LOSS_TRANSFORMS = ['none', 'relative', 'log'] as const;
export type LossTransform = (typeof LOSS_TRANSFORMS)[number];

/** w_t for step t (1-based) of an episode of `horizon` steps. */
export function lossWeight(weighting: LossWeighting, t: number, horizon: number): number {
  if (weighting === 'uniform') return 1;
  if (weighting === 'linear') return (2 * t) / (horizon + 1);
  return weighting[t - 1]!;
}

/** w_t for the `count` steps after `stepsDone` (t = stepsDone + 1 … stepsDone + count). */
export function truncationWeights(
  weighting: LossWeighting,
  stepsDone: number,
  count: number,
  horizon: number,
): number[] {
  if (typeof weighting !== 'string') return weighting.slice(stepsDone, stepsDone + count);
  return Array.from({ length: count }, (_, k) => lossWeight(weighting, stepsDone + k + 1, horizon));
}

/** τ(f): the loss as it enters the meta-objective. `initialLoss` is f(θ₀) of the episode. */
export function transformLoss(transform: LossTransform, loss: number, initialLoss: number): number {
  if (transform === 'relative') return loss / initialLoss;
  if (transform === 'log') return Math.log(loss);
  return loss;
}

/**
 * Weights of the linearised objective for a gradient method that treats the losses as constants:
 * d τ(f_t) = τ'(f_t) df_t, so w_t becomes w_t / f(θ₀) ('relative') or w_t / f_t ('log'); unchanged for 'none'.
 */
export function surrogateWeights(
  transform: LossTransform,
  weights: readonly number[],
  losses: readonly number[],
  initialLoss: number,
): readonly number[] {
  if (transform === 'relative') return weights.map((w) => w / initialLoss);
  if (transform === 'log') return weights.map((w, k) => w / losses[k]!);
  return weights;
}

/** Checks a weighting (rule name or array) and a transform, naming the field and the allowed values. */
export function checkObjective(weighting: unknown, transform: unknown): void {
  if (typeof weighting === 'string' && !(LOSS_WEIGHT_RULES as readonly string[]).includes(weighting)) {
    throw new L2oError(
      'INVALID_OPTION',
      `lossWeights: unknown rule "${weighting}"; allowed values: ${LOSS_WEIGHT_RULES.join(', ')}, or an array of T numbers`,
    );
  }
  if (typeof weighting !== 'string' && !Array.isArray(weighting)) {
    throw new L2oError(
      'INVALID_OPTION',
      `lossWeights: must be ${LOSS_WEIGHT_RULES.join(', ')} or an array of T numbers`,
    );
  }
  if (!(LOSS_TRANSFORMS as readonly string[]).includes(transform as string)) {
    throw new L2oError(
      'INVALID_OPTION',
      `lossTransform: unknown "${String(transform)}"; allowed values: ${LOSS_TRANSFORMS.join(', ')}`,
    );
  }
}
