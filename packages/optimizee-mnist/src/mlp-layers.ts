import * as tf from '@tensorflow/tfjs';
import { L2oError, type Rng, type TensorMap } from '@l2o/core';

/** Hidden-layer nonlinearities. The paper trains on sigmoid and tests generalisation to ReLU. */
export const MLP_ACTIVATIONS = ['sigmoid', 'relu', 'tanh', 'gelu'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

/**
 * How weights start: N(0, σ²) with a given σ (0.01 in the reference code), or scaled to the layer: 'glorot'
 * σ = √(2 / (fan-in + fan-out)) (tanh, sigmoid), 'he' σ = √(2 / fan-in) (ReLU, GELU). Biases start at 0.
 */
export type MlpWeightInit = number | 'glorot' | 'he';

const GELU_C = Math.sqrt(2 / Math.PI);

/**
 * The nonlinearity `name` applied elementwise. GELU is the tanh form 0.5·z·(1 + tanh(√(2/π)(z + 0.044715 z³))),
 * as PyTorch's `gelu(approximate='tanh')`.
 */
export function activate(name: MlpActivation, z: tf.Tensor): tf.Tensor {
  switch (name) {
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'gelu':
      return tf.tidy(() => {
        const inner = tf.mul(tf.add(z, tf.mul(tf.mul(tf.square(z), z), 0.044715)), GELU_C);
        return tf.mul(tf.mul(z, 0.5), tf.add(tf.tanh(inner), 1));
      });
  }
}

/** Checks a weight-initialisation option; errors name `field`. */
export function checkWeightInit(v: unknown, field: string): MlpWeightInit {
  if (v === 'glorot' || v === 'he') return v;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  throw new L2oError(
    'INVALID_OPTION',
    `${field}: must be a finite number ≥ 0 (a standard deviation), 'glorot' or 'he', got ${String(v)}`,
  );
}

/** Parameter names of layer `i`: weights [in, out] and biases [out]. */
export function mlpParamNames(layer: number): { readonly w: string; readonly b: string } {
  return { w: `layer${layer}/w`, b: `layer${layer}/b` };
}

/** Fresh weights and zero biases for layers of widths `sizes[0] → sizes[1] → …`. */
export function initLayers(sizes: readonly number[], init: MlpWeightInit, rng: Rng): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fanIn = sizes[i]!;
    const fanOut = sizes[i + 1]!;
    const std = init === 'he' ? Math.sqrt(2 / fanIn) : init === 'glorot' ? Math.sqrt(2 / (fanIn + fanOut)) : init;
    const names = mlpParamNames(i);
    out[names.w] = tf.tensor2d(rng.normalArray(fanIn * fanOut, 0, std), [fanIn, fanOut]);
    out[names.b] = tf.zeros([fanOut]);
  }
  return out;
}

/** Scalar parameters of layers of widths `sizes`. */
export function layersSize(sizes: readonly number[]): number {
  let n = 0;
  for (let i = 0; i + 1 < sizes.length; i++) n += (sizes[i]! + 1) * sizes[i + 1]!;
  return n;
}

/**
 * x W₀ + b₀ → act → … → x Wₙ + bₙ (no nonlinearity after the last layer). Weights stored [in, out], so the
 * forward pass has no transpose flags. `where` names the caller in errors about missing parameters.
 */
export function forwardLayers(
  params: TensorMap,
  sizes: readonly number[],
  activation: MlpActivation,
  x: tf.Tensor2D,
  where: string,
): tf.Tensor2D {
  return tf.tidy(() => {
    let h: tf.Tensor2D = x;
    const layers = sizes.length - 1;
    for (let i = 0; i < layers; i++) {
      const names = mlpParamNames(i);
      const w = params[names.w];
      const b = params[names.b];
      if (!w || !b) throw new L2oError('SHAPE_MISMATCH', `${where}: params must hold "${names.w}" and "${names.b}"`);
      const z = tf.add(tf.matMul(h, w as tf.Tensor2D), b) as tf.Tensor2D;
      h = i + 1 < layers ? (activate(activation, z) as tf.Tensor2D) : z;
    }
    return h;
  });
}

/** (λ/2)·Σ‖Wᵢ‖² over the weight matrices (biases are not penalised). */
export function weightPenalty(params: TensorMap, layers: number, l2: number): tf.Scalar {
  return tf.tidy(() => {
    let s: tf.Scalar = tf.scalar(0);
    for (let i = 0; i < layers; i++) {
      const w = params[mlpParamNames(i).w];
      if (w) s = tf.add(s, tf.sum(tf.square(w))) as tf.Scalar;
    }
    return tf.mul(s, l2 / 2) as tf.Scalar;
  });
}
