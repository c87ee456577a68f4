import * as tf from '@tensorflow/tfjs';
import { checkOptions, checkPositive, checkUnitInterval, resolveEpsilon, zerosLikeMap } from '../optimizer-options.js';
import { assertSameKeys } from '../tensor-map.js';
import type { Optimizer, TensorMap } from '../types.js';
import { checkStateFields, jsonConfig, transformName } from './transform-support.js';

export interface ScaleByAdamOptions {
  /** Decay of the first moment, in [0, 1); default 0.9. */
  readonly b1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  readonly b2?: number;
  /** ε > 0 added to √v̂; default the backend's epsilon (1e-7 for float32), as tf.train.adam. */
  readonly eps?: number;
}

export type ScaleByAdamState = {
  /** First moment m per parameter. */
  readonly m: TensorMap;
  /** Second moment v per parameter. */
  readonly v: TensorMap;
  /** Steps taken so far (0 after init). */
  readonly step: number;
  /** β₁ᵗ, accumulated in float32 as tf.train.adam does (1 after init). */
  readonly beta1Power: number;
  /** β₂ᵗ, accumulated in float32 as tf.train.adam does (1 after init). */
  readonly beta2Power: number;
};

const DEFAULTS = { b1: 0.9, b2: 0.999 } as const;
const STATE_FIELDS = ['m', 'v', 'step', 'beta1Power', 'beta2Power'];

/**
 * Adam's scaling, with no step size and no sign (follow it with `scaleByLearningRate`): at step t = 1, 2, …
 * m ← β₁ m + (1−β₁) u;  v ← β₂ v + (1−β₂) u²;  out = (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε),
 * with βᵗ and 1 − βᵗ rounded to float32 at every step and the float operations in tf.train.adam's order, so
 * `chain(scaleByAdam(), scaleByLearningRate(α))` reproduces `tf.train.adam(α)` bit for bit.
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): Optimizer<ScaleByAdamState> {
  const where = 'scaleByAdam';
  const opts = checkOptions(where, options);
  const b1 = checkUnitInterval(where, 'b1', opts.b1 ?? DEFAULTS.b1);
  const b2 = checkUnitInterval(where, 'b2', opts.b2 ?? DEFAULTS.b2);
  const eps = opts.eps === undefined ? undefined : checkPositive(where, 'eps', opts.eps);
  return {
    name: transformName(where, [
      ['b1', b1 === DEFAULTS.b1 ? undefined : b1],
      ['b2', b2 === DEFAULTS.b2 ? undefined : b2],
      ['eps', eps],
    ]),
    config: jsonConfig({ name: where, b1, b2, eps }),
    init(params): ScaleByAdamState {
      return tf.tidy(() => ({
        m: zerosLikeMap(params),
        v: zerosLikeMap(params),
        step: 0,
        beta1Power: 1,
        beta2Power: 1,
      }));
    },
    update(updates, state) {
      checkStateFields(state, STATE_FIELDS, `${where}.update`);
      assertSameKeys(updates, state.m, `${where}.update`);
      const epsilon = resolveEpsilon(eps);
      // tf.train.adam keeps βᵗ in float32 variables and forms 1 − βᵗ in float32. With β₂ = 0.999 that
      // rounding shifts v̂ by ≈1e-5 relative on the first steps, so it is reproduced here (Math.fround).
      const beta1Power = Math.fround(state.beta1Power * Math.fround(b1));
      const beta2Power = Math.fround(state.beta2Power * Math.fround(b2));
      const correction1 = Math.fround(1 - beta1Power);
      const correction2 = Math.fround(1 - beta2Power);
      return tf.tidy(() => {
        const m: Record<string, tf.Tensor> = {};
        const v: Record<string, tf.Tensor> = {};
        const out: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(updates)) {
          const mk = tf.add(tf.mul(state.m[k]!, b1), tf.mul(g, 1 - b1));
          const vk = tf.add(tf.mul(state.v[k]!, b2), tf.mul(tf.square(g), 1 - b2));
          m[k] = mk;
          v[k] = vk;
          out[k] = tf.div(tf.div(mk, correction1), tf.add(tf.sqrt(tf.div(vk, correction2)), epsilon));
        }
        const next: ScaleByAdamState = { m, v, step: state.step + 1, beta1Power, beta2Power };
        return { updates: out as TensorMap, state: next };
      });
    },
  };
}
