import type * as tf from '@tensorflow/tfjs';
import type { WasmKernelArgs, WasmKernelFunc } from './wasm-heap.js';

/**
 * Identity (and Cast to the same dtype) for wasm by reference count instead of a copy, as tfjs's cpu backend
 * does: the output shares the input's data. tfjs clones every tensor a custom gradient saves, so the stock copy
 * cost a full pass over each saved activation. A cast to bool is x ≠ 0 (the stock kernel wrapped the numbers,
 * −2 → 254); strings and other casts go to the stock kernel.
 */
export function createIdentityKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const x = args.inputs['x'];
    const to = args.attrs?.['dtype'] as tf.DataType | undefined;
    if (x && to === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
      const out = args.backend.makeOutput(x.shape.slice(), 'bool');
      const src = args.backend.typedArrayFromHeap(x);
      const dst = args.backend.typedArrayFromHeap(out);
      for (let i = 0; i < src.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
      return out;
    }
    if (!x || x.dtype === 'string' || (to !== undefined && to !== x.dtype)) return stock(args);
    args.backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  };
}
