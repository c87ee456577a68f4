import * as tf from '@tensorflow/tfjs';
import { sliceHeap } from './slice.js';
import { isHeapDType, type WasmKernelArgs, type WasmKernelFunc } from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/**
 * A SplitV kernel for wasm: each piece is copied straight from the heap (the stock kernel runs the stock Slice,
 * which copies the whole input once per piece). `stock` handles string tensors.
 */
export function createSplitVKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const x = args.inputs['x'];
    if (!x) throw new L2oError('INVALID_OPTION', 'SplitV: input x is missing');
    if (!isHeapDType(x.dtype)) return stock(args);
    const attrs = args.attrs ?? {};
    const axis = tf.util.parseAxisParam(attrs['axis'] as number | number[], x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs['numOrSizeSplits'] as number | number[], axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = x.shape.slice();
    return sizes.map((s) => {
      size[axis] = s;
      const piece = sliceHeap(args.backend, x, begin, size);
      begin[axis]! += s;
      return piece;
    });
  };
}
