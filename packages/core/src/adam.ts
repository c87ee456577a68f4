import * as tf from '@tensorflow/tfjs';
import { assertSameKeys } from './tensor-map.js';
import type { Optimizer, TensorMap } from './types.js';
import {
  checkOptions,
  checkPositive,
  checkUnitInterval,
  optimizerName,
  resolveEpsilon,
  zerosLikeMap,
} from './optimizer-options.js';

export interface AdamOptions {
  /** Step size α > 0. */
  readonly learningRate: number;
  /** Decay of the first moment, in [0, 1); default 0.9. */
  readonly beta1?: number;
  /** Decay of the second moment, in [0, 1); default 0.999. */
  readonly beta2?: number;
  /** ε > 0 added to √v̂; default the backend's epsilon (1e-7 for float32), as tf.train.adam. */
  readonly epsilon?: number;
}

export type AdamState = {
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

const DEFAULTS = { beta1: 0.9, beta2: 0.999 } as const;

/**
 * Adam as `tf.train.adam(α, β₁, β₂, ε)` computes it, at step t = 1, 2, …:
 * m ← β₁ m + (1−β₁) g;  v ← β₂ v + (1−β₂) g²;  θ ← θ − α (m / (1−β₁ᵗ)) / (√(v / (1−β₂ᵗ)) + ε),
 * with βᵗ and 1 − βᵗ rounded to float32 at every step as tfjs does.
 */
export function adam(options: AdamOptions): Optimizer<AdamState> {
  const where = 'adam';
  const opts = checkOptions(where, options);
  const lr = checkPositive(where, 'learningRate', opts.learningRate);
  const beta1 = checkUnitInterval(where, 'beta1', opts.beta1 ?? DEFAULTS.beta1);
  const beta2 = checkUnitInterval(where, 'beta2', opts.beta2 ?? DEFAULTS.beta2);
  const eps = opts.epsilon === undefined ? undefined : checkPositive(where, 'epsilon', opts.epsilon);
  return {
    name: optimizerName(where, lr, [
      ['beta1', beta1, DEFAULTS.beta1],
      ['beta2', beta2, DEFAULTS.beta2],
      ['epsilon', eps, undefined],
    ]),
    init(params): AdamState {
      return tf.tidy(() => ({
        m: zerosLikeMap(params),
        v: zerosLikeMap(params),
        step: 0,
        beta1Power: 1,
        beta2Power: 1,
      }));
    },
    update(grads, state) {
      assertSameKeys(grads, state.m, 'adam.update');
      const epsilon = resolveEpsilon(eps);
      // tf.train.adam keeps βᵗ in float32 variables and forms 1 − βᵗ in float32. With β₂ = 0.999 that
      // rounding shifts v̂ by ≈1e-5 relative on the first steps, so it is reproduced here (Math.fround).
      const beta1Power = Math.fround(state.beta1Power * Math.fround(beta1));
      const beta2Power = Math.fround(state.beta2Power * Math.fround(beta2));
      const correction1 = Math.fround(1 - beta1Power);
      const correction2 = Math.fround(1 - beta2Power);
      return tf.tidy(() => {
        const m: Record<string, tf.Tensor> = {};
        const v: Record<string, tf.Tensor> = {};
        const updates: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) {
          const mk = tf.add(tf.mul(state.m[k]!, beta1), tf.mul(g, 1 - beta1));
          const vk = tf.add(tf.mul(state.v[k]!, beta2), tf.mul(tf.square(g), 1 - beta2));
          const mHat = tf.div(mk, correction1);
          const vHat = tf.div(vk, correction2);
          m[k] = mk;
          v[k] = vk;
          updates[k] = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), -lr);
        }
        const next: AdamState = { m, v, step: state.step + 1, beta1Power, beta2Power };
        return { updates: updates as TensorMap, state: next };
      });
    },
  };
}
