import * as tf from '@tensorflow/tfjs';
import { createBatchMatMulKernel } from './kernels/batch-mat-mul.js';
import { BN_RELU_POOL, BN_RELU_POOL_GRAD, bnReluPoolGradKernel, bnReluPoolKernel } from './kernels/bn-relu-pool.js';
import { createConcatKernel } from './kernels/concat.js';
import { createConv2dBackpropInputKernel, createConv2dKernel } from './kernels/conv2d.js';
import { createIdentityKernel } from './kernels/identity.js';
import { createMaxPoolGradKernel } from './kernels/max-pool-grad.js';
import { conv2dBackpropFilterKernel } from './kernels/conv2d-backprop-filter.js';
import { createSliceKernel } from './kernels/slice.js';
import { createSplitVKernel } from './kernels/split-v.js';
import { createTanhKernel } from './kernels/tanh.js';
import { createTransposeKernel } from './kernels/transpose.js';
import { unsortedSegmentSumKernel } from './kernels/unsorted-segment-sum.js';
import type { WasmKernelFunc } from './kernels/wasm-heap.js';
import { L2oError } from '../l2o-error.js';

/**
 * Kernels l2o adds to tfjs-backend-wasm: two it lacks (both needed by gradients) and l2o's fused batch norm
 * (training) + ReLU + max-pool with its gradient (used by `batchNormReluMaxPool`).
 */
export const ADDED_WASM_KERNELS = [
  'Conv2DBackpropFilter',
  'UnsortedSegmentSum',
  BN_RELU_POOL,
  BN_RELU_POOL_GRAD,
] as const;
/** Stock tfjs-backend-wasm kernels l2o replaces with faster ones (the stock one stays as the fallback). */
export const REPLACED_WASM_KERNELS = [
  'Slice',
  'SplitV',
  'Concat',
  'Tanh',
  'BatchMatMul',
  'MaxPoolGrad',
  'Identity',
  'Cast',
  'Conv2D',
  'Conv2DBackpropInput',
  'Transpose',
] as const;

const ADDED: Record<(typeof ADDED_WASM_KERNELS)[number], WasmKernelFunc> = {
  Conv2DBackpropFilter: conv2dBackpropFilterKernel,
  UnsortedSegmentSum: unsortedSegmentSumKernel,
  [BN_RELU_POOL]: bnReluPoolKernel,
  [BN_RELU_POOL_GRAD]: bnReluPoolGradKernel,
};

const REPLACED: Record<(typeof REPLACED_WASM_KERNELS)[number], (stock: WasmKernelFunc) => WasmKernelFunc> = {
  Slice: createSliceKernel,
  SplitV: createSplitVKernel,
  Concat: createConcatKernel,
  Tanh: createTanhKernel,
  BatchMatMul: createBatchMatMulKernel,
  MaxPoolGrad: createMaxPoolGradKernel,
  Identity: createIdentityKernel,
  Cast: createIdentityKernel,
  Conv2D: createConv2dKernel,
  Conv2DBackpropInput: createConv2dBackpropInputKernel,
  Transpose: createTransposeKernel,
};

let registered = false;
const stockConfigs = new Map<string, tf.KernelConfig>();

/**
 * Registers l2o's own wasm kernels: the gradient kernels tfjs-backend-wasm lacks and faster replacements for
 * slow stock kernels. Call after importing '@tensorflow/tfjs-backend-wasm' and before `tf.setBackend('wasm')`.
 * Idempotent.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  for (const name of ADDED_WASM_KERNELS) {
    if (tf.getKernel(name, 'wasm')) continue; // a later tfjs-backend-wasm may ship its own
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: ADDED[name] as unknown as tf.KernelFunc });
  }
  for (const name of REPLACED_WASM_KERNELS) {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock)
      throw new L2oError(
        'NOT_FOUND',
        `registerWasmKernels: stock wasm kernel "${name}" not found; import @tensorflow/tfjs-backend-wasm first`,
      );
    stockConfigs.set(name, stock);
    tf.unregisterKernel(name, 'wasm');
    const config: tf.KernelConfig = {
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: REPLACED[name](stock.kernelFunc as unknown as WasmKernelFunc) as unknown as tf.KernelFunc,
    };
    // The stock kernelFunc stays in use as the fallback, so its setup (wasm function binding) must still run.
    if (stock.setupFunc) config.setupFunc = stock.setupFunc;
    if (stock.disposeFunc) config.disposeFunc = stock.disposeFunc;
    tf.registerKernel(config);
  }
  registered = true;
}

/**
 * The stock tfjs-backend-wasm kernel that `registerWasmKernels` replaced, for benchmarks and tests that compare
 * against it. Undefined before registration.
 */
export function stockWasmKernel(name: (typeof REPLACED_WASM_KERNELS)[number]): tf.KernelConfig | undefined {
  return stockConfigs.get(name);
}
