import * as tf from '@tensorflow/tfjs';
import {
  bytesPerElement,
  copyRows,
  heapOffset,
  isHeapDType,
  wholeHeap,
  type WasmKernelArgs,
  type WasmKernelFunc,
} from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/**
 * A Concat kernel for wasm. Viewing each input as [outer, inner_i] (outer = product of the dims before the
 * axis), it copies one input at a time into its column band of the output: short rows element by element,
 * long rows with `copyWithin`. The stock kernel makes a subarray and a `set` per row per input, which is slow
 * when rows are short. `stock` handles strings and mixed dtypes.
 */
export function createConcatKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const all = Object.keys(args.inputs)
      .map((k) => Number(k))
      .sort((a, b) => a - b)
      .map((k) => args.inputs[String(k)]!);
    const first = all[0];
    if (!first) throw new L2oError('INVALID_OPTION', 'Concat: at least one input is required');
    const dtype = first.dtype;
    if (!isHeapDType(dtype) || all.some((t) => t.dtype !== dtype)) return stock(args);
    const axis = tf.util.parseAxisParam(args.attrs?.['axis'] as number | number[], first.shape)[0]!;
    const shapes = all.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, axis);
    const outShape = tf.backend_util.computeOutShape(shapes, axis);
    const inputs = all.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const out = backend.makeOutput(outShape, dtype);
    if (inputs.length === 0) return out;
    const outer = tf.util.sizeFromShape(first.shape.slice(0, axis));
    const inners = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const outInner = inners.reduce((a, b) => a + b, 0);
    const bpe = bytesPerElement(dtype);
    const heap = wholeHeap(backend, dtype); // after makeOutput
    const dst0 = heapOffset(backend, out) / bpe;
    let col = 0;
    for (let i = 0; i < inputs.length; i++) {
      const inner = inners[i]!;
      copyRows(heap, heapOffset(backend, inputs[i]!) / bpe, inner, dst0 + col, outInner, inner, outer);
      col += inner;
    }
    return out;
  };
}
