import * as tf from '@tensorflow/tfjs';
import { cnnKernels } from './cnn-native.js';
import { heapOffset, type WasmBackendLike, type WasmKernelArgs } from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/** Kernel names of the fused batch norm (training) + ReLU + max-pool and its gradient (wasm only). */
export const BN_RELU_POOL = 'L2oBatchNormReluMaxPool' as const;
export const BN_RELU_POOL_GRAD = 'L2oBatchNormReluMaxPoolGrad' as const;

/** Window geometry of a p × p max-pool with stride p and SAME padding over x [B, H, W, C]. */
export function poolGeometry(shape: readonly number[], p: number) {
  const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], p, p, 1, 'same');
  return { outHeight: info.outHeight, outWidth: info.outWidth, top: info.padInfo.top, left: info.padInfo.left };
}

function need(backend: WasmBackendLike, name: string) {
  const k = cnnKernels(backend);
  if (!k) throw new L2oError('UNSUPPORTED', `${name}: l2o's native CNN kernels are not available on this wasm backend`);
  return k;
}

/**
 * Forward: inputs x [B, H, W, C] (float32), gamma, beta [C]; attrs epsilon, poolSize. Outputs y [B, OH, OW, C],
 * argmax (int32, same shape: flat index into x of each window's first maximum, −1 for an empty window), mean and
 * inverse standard deviation [C].
 */
export function bnReluPoolKernel(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const { x, gamma, beta } = args.inputs as Record<string, tf.TensorInfo>;
  const attrs = args.attrs ?? {};
  const p = attrs['poolSize'] as number;
  const eps = attrs['epsilon'] as number;
  const k = need(backend, BN_RELU_POOL);
  const [B, H, W, C] = x!.shape as [number, number, number, number];
  const g = poolGeometry(x!.shape, p);
  const y = backend.makeOutput([B, g.outHeight, g.outWidth, C], 'float32');
  const arg = backend.makeOutput([B, g.outHeight, g.outWidth, C], 'int32');
  const mean = backend.makeOutput([C], 'float32');
  const inv = backend.makeOutput([C], 'float32');
  const acc = backend.makeOutput([4 * C], 'float32'); // 2 C doubles of scratch
  try {
    k.l2o_bn_relu_pool(
      heapOffset(backend, x!),
      heapOffset(backend, gamma!),
      heapOffset(backend, beta!),
      heapOffset(backend, y),
      heapOffset(backend, arg),
      heapOffset(backend, mean),
      heapOffset(backend, inv),
      heapOffset(backend, acc),
      B,
      H,
      W,
      C,
      g.outHeight,
      g.outWidth,
      p,
      g.top,
      g.left,
      eps,
    );
  } finally {
    backend.disposeData(acc.dataId);
  }
  return [y, arg, mean, inv];
}

/** Backward: inputs dy, x, gamma, beta, argmax, mean, inv (as the forward's); outputs dx, dgamma, dbeta. */
export function bnReluPoolGradKernel(args: WasmKernelArgs): tf.TensorInfo[] {
  const { backend } = args;
  const { dy, x, gamma, beta, argmax, mean, inv } = args.inputs as Record<string, tf.TensorInfo>;
  const k = need(backend, BN_RELU_POOL_GRAD);
  const C = x!.shape[3]!;
  const M = x!.shape[0]! * x!.shape[1]! * x!.shape[2]!;
  const P = dy!.shape[0]! * dy!.shape[1]! * dy!.shape[2]!;
  const dx = backend.makeOutput(x!.shape.slice(), 'float32');
  const dgamma = backend.makeOutput([C], 'float32');
  const dbeta = backend.makeOutput([C], 'float32');
  const acc = backend.makeOutput([4 * C], 'float32');
  try {
    k.l2o_bn_relu_pool_grad(
      heapOffset(backend, x!),
      heapOffset(backend, gamma!),
      heapOffset(backend, beta!),
      heapOffset(backend, mean!),
      heapOffset(backend, inv!),
      heapOffset(backend, argmax!),
      heapOffset(backend, dy!),
      heapOffset(backend, dx),
      heapOffset(backend, dgamma),
      heapOffset(backend, dbeta),
      heapOffset(backend, acc),
      M,
      C,
      P,
    );
  } finally {
    backend.disposeData(acc.dataId);
  }
  return [dx, dgamma, dbeta];
}
