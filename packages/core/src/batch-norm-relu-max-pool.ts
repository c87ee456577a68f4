import * as tf from '@tensorflow/tfjs';
import { BN_RELU_POOL, BN_RELU_POOL_GRAD } from './engine/kernels/bn-relu-pool.js';
import { cnnKernels } from './engine/kernels/cnn-native.js';
import type { WasmBackendLike } from './engine/kernels/wasm-heap.js';
import { L2oError } from './l2o-error.js';

export interface BatchNormReluMaxPoolOptions {
  /** ε added to the variance. */
  readonly epsilon: number;
  /** Side and stride of the max-pool window (SAME padding); 1 = no pooling. */
  readonly poolSize: number;
}

/**
 * Batch norm in training mode over the batch and spatial axes of x [B, H, W, C] (the batch's own mean and biased
 * variance, then γ·x̂ + β), ReLU, and a `poolSize` × `poolSize` max-pool with stride `poolSize` and SAME padding —
 * a CNN block's tail. On l2o's wasm engine one fused native kernel computes it and its gradient (x, γ, β) when the
 * channels are a multiple of 4 (≤ 512); elsewhere it is the same composition of tfjs ops (moments, relu, maxPool), with the same values.
 */
export function batchNormReluMaxPool(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D | tf.Tensor,
  beta: tf.Tensor1D | tf.Tensor,
  options: BatchNormReluMaxPoolOptions,
): tf.Tensor4D {
  const { epsilon, poolSize } = options;
  if (!(Number.isFinite(epsilon) && epsilon > 0))
    throw new L2oError('INVALID_OPTION', `batchNormReluMaxPool.epsilon: must be a finite number > 0, got ${epsilon}`);
  if (!Number.isInteger(poolSize) || poolSize < 1)
    throw new L2oError('INVALID_OPTION', `batchNormReluMaxPool.poolSize: must be a positive integer, got ${poolSize}`);
  if (x.rank !== 4)
    throw new L2oError('SHAPE_MISMATCH', `batchNormReluMaxPool: x must be rank 4 [B, H, W, C], got shape [${x.shape}]`);
  const C = x.shape[3];
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const)
    if (t.size !== C)
      throw new L2oError(
        'SHAPE_MISMATCH',
        `batchNormReluMaxPool.${name}: must hold ${C} values (x's channels), got ${t.size}`,
      );
  if (useNative(x)) return fused(x, gamma, beta, epsilon, poolSize);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, [0, 1, 2], true);
    const z = tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
    const a = tf.relu(z) as tf.Tensor4D;
    return poolSize === 1 ? a : tf.maxPool(a, poolSize, poolSize, 'same');
  });
}

function useNative(x: tf.Tensor4D): boolean {
  // The native kernel works on 4 channels at a time.
  if (x.dtype !== 'float32' || x.size === 0 || x.shape[3] % 4 !== 0 || x.shape[3] > 512) return false;
  if (tf.getBackend() !== 'wasm') return false;
  if (!tf.getKernel(BN_RELU_POOL, 'wasm')) return false;
  return cnnKernels(tf.backend() as unknown as WasmBackendLike) !== undefined;
}

function fused(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number, poolSize: number): tf.Tensor4D {
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, gi, bi, save] = args as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const g1 = tf.reshape(gi, [-1]);
    const b1 = tf.reshape(bi, [-1]);
    const [y, argmax, mean, inv] = tf
      .engine()
      .runKernel(BN_RELU_POOL, { x: xi, gamma: g1, beta: b1 }, { epsilon, poolSize }) as tf.Tensor[];
    save([xi, g1, b1, argmax!, mean!, inv!]);
    return {
      value: y as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, gs, bs, as, ms, is] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dg, db] = tf.engine().runKernel(BN_RELU_POOL_GRAD, {
          dy,
          x: xs,
          gamma: gs,
          beta: bs,
          argmax: as,
          mean: ms,
          inv: is,
        }) as tf.Tensor[];
        return [dx!, tf.reshape(dg!, gamma.shape), tf.reshape(db!, beta.shape)];
      },
    };
  });
  return f(x, gamma, beta) as tf.Tensor4D;
}
