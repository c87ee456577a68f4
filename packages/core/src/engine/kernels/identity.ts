import type * as tf from '@tensorflow/tfjs';
import type { WasmKernelArgs, WasmKernelFunc } from './wasm-heap.js';

/**
 * Identity (and Cast to the same dtype) for wasm by reference count instead of a copy, as tfjs's cpu backend
 * does: the output shares the input's data. tfjs clones every tensor a custom gradient saves, so the stock copy
 * cost a full pass over each saved activation. Strings and real casts go to the stock kernel.
 */
export function createIdentityKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const x = args.inputs['x'];
    const to = args.attrs?.['dtype'] as tf.DataType | undefined;
    if (!x || x.dtype === 'string' || (to !== undefined && to !== x.dtype)) return stock(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}
