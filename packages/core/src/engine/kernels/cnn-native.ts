import { CNN_KERNELS_WASM_BASE64 } from './cnn-kernels.wasm.js';
import { type HeapModuleExports, heapModule } from './heap-module.js';
import type { WasmBackendLike } from './wasm-heap.js';

/** The exports of native/cnn-kernels.c; pointers are byte offsets into the tfjs-backend-wasm memory. */
export interface CnnKernelExports extends HeapModuleExports {
  l2o_conv2d_filter_grad(...args: number[]): void;
  l2o_conv2d(...args: number[]): void;
  l2o_max_pool_grad(...args: number[]): void;
  l2o_bn_relu_pool(...args: number[]): void;
  l2o_bn_relu_pool_grad(...args: number[]): void;
  l2o_transpose_inner(...args: number[]): void;
}

/**
 * l2o's CNN kernels (native/cnn-kernels.c) instantiated on the memory of this tfjs-backend-wasm instance, so they
 * read and write tensors in place; undefined where that memory is not reachable (then callers use tfjs's own
 * kernels). One instance per backend.
 */
export function cnnKernels(backend: WasmBackendLike): CnnKernelExports | undefined {
  return heapModule<CnnKernelExports>(backend, CNN_KERNELS_WASM_BASE64);
}
