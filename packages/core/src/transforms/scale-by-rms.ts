import * as tf from '@tensorflow/tfjs';
import {
  checkBoolean,
  checkOptions,
  checkPositive,
  checkUnitInterval,
  resolveEpsilon,
  zerosLikeMap,
} from '../optimizer-options.js';
import { assertSameKeys } from '../tensor-map.js';
import type { Optimizer, TensorMap } from '../types.js';
import { checkStateFields, jsonConfig, transformName } from './transform-support.js';

export interface ScaleByRmsOptions {
  /** Decay ρ of the running averages, in [0, 1); default 0.9. */
  readonly decay?: number;
  /** ε > 0 added under the square root; default the backend's epsilon (1e-7 for float32), as tf.train.rmsprop. */
  readonly eps?: number;
  /** Divide by an estimate of the variance of u (s − ū²) instead of its second moment; default false. */
  readonly centered?: boolean;
  /**
   * A constant c multiplying u before the division: out = (c·u) / √(s + ε). Default 1. The statistics are of u
   * itself; c only places a step size where TensorFlow's RMSprop applies it (α·g / √(s + ε), in that order),
   * which rounds differently from (g / √(s + ε))·α.
   */
  readonly numeratorScale?: number;
}

export type ScaleByRmsState = {
  /** Running mean s of u². */
  readonly meanSquare: TensorMap;
  /** Running mean ū of u (centered only; empty otherwise). */
  readonly meanGrad: TensorMap;
};

const DEFAULTS = { decay: 0.9, centered: false, numeratorScale: 1 } as const;

/**
 * RMS scaling, with no step size and no sign: s ← ρ s + (1−ρ) u²;  out = c·u / √(s + ε).
 * Centered: also ū ← ρ ū + (1−ρ) u and the denominator is √(s − ū² + ε). (tfjs 4.22 computes √(s − ū² − ε), a
 * sign slip that gives NaN once the variance falls below ε; this follows TensorFlow's ApplyCenteredRMSProp,
 * with tfjs's order of operations.)
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): Optimizer<ScaleByRmsState> {
  const where = 'scaleByRms';
  const opts = checkOptions(where, options);
  const rho = checkUnitInterval(where, 'decay', opts.decay ?? DEFAULTS.decay);
  const eps = opts.eps === undefined ? undefined : checkPositive(where, 'eps', opts.eps);
  const centered = checkBoolean(where, 'centered', opts.centered ?? DEFAULTS.centered);
  const c = checkPositive(where, 'numeratorScale', opts.numeratorScale ?? DEFAULTS.numeratorScale);
  return {
    name: transformName(where, [
      ['decay', rho === DEFAULTS.decay ? undefined : rho],
      ['eps', eps],
      ['centered', centered ? true : undefined],
      ['numeratorScale', c === DEFAULTS.numeratorScale ? undefined : c],
    ]),
    config: jsonConfig({ name: where, decay: rho, eps, centered, numeratorScale: c }),
    init(params): ScaleByRmsState {
      return tf.tidy(() => ({ meanSquare: zerosLikeMap(params), meanGrad: centered ? zerosLikeMap(params) : {} }));
    },
    update(updates, state) {
      checkStateFields(state, ['meanSquare', 'meanGrad'], `${where}.update`);
      assertSameKeys(updates, state.meanSquare, `${where}.update`);
      if (centered) assertSameKeys(updates, state.meanGrad, `${where}.update`);
      const epsilon = resolveEpsilon(eps);
      return tf.tidy(() => {
        const meanSquare: Record<string, tf.Tensor> = {};
        const meanGrad: Record<string, tf.Tensor> = {};
        const out: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(updates)) {
          const s = tf.add(tf.mul(state.meanSquare[k]!, rho), tf.mul(tf.square(g), 1 - rho));
          let denom: tf.Tensor;
          if (centered) {
            const gm = tf.add(tf.mul(state.meanGrad[k]!, rho), tf.mul(g, 1 - rho));
            meanGrad[k] = gm;
            // s − (ū² − ε): tfjs's order of operations (so rounding matches it), TensorFlow's sign of ε.
            denom = tf.sqrt(tf.sub(s, tf.add(tf.square(gm), -epsilon)));
          } else {
            denom = tf.sqrt(tf.add(s, epsilon));
          }
          meanSquare[k] = s;
          out[k] = tf.div(c === 1 ? g : tf.mul(g, c), denom);
        }
        const next: ScaleByRmsState = { meanSquare, meanGrad };
        return { updates: out as TensorMap, state: next };
      });
    },
  };
}
