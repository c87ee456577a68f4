import * as tf from '@tensorflow/tfjs';
import {
  bytesPerElement,
  copyRows,
  heapOffset,
  isHeapDType,
  wholeHeap,
  type WasmBackendLike,
  type WasmKernelArgs,
  type WasmKernelFunc,
} from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/**
 * Copies the box `begin`/`size` of `x` into a new tensor, reading the wasm heap in place. The stock kernel first
 * copies the whole input out of the heap (`readSync`) on every call; this copies only the slice, as contiguous
 * runs over the merged innermost dimensions.
 */
export function sliceHeap(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: readonly number[],
  size: readonly number[],
): tf.TensorInfo {
  const dtype = x.dtype;
  if (!isHeapDType(dtype)) throw new L2oError('UNSUPPORTED', `Slice: dtype ${dtype} is not held in the wasm heap`);
  const out = backend.makeOutput(size.slice(), dtype);
  const total = tf.util.sizeFromShape(size.slice());
  if (total === 0) return out;
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  // k: the innermost axis that is not taken whole; everything from k inwards is one contiguous run.
  let k = Math.max(rank - 1, 0);
  while (k > 0 && size[k] === x.shape[k]) k--;
  let run = 1;
  for (let d = k; d < rank; d++) run *= size[d]!;
  const stride = (d: number): number => (d < rank - 1 ? strides[d]! : 1);
  let base = 0;
  for (let d = 0; d < rank; d++) base += begin[d]! * stride(d);
  const bpe = bytesPerElement(dtype);
  const heap = wholeHeap(backend, dtype); // after makeOutput: the allocation may have grown the memory
  const src0 = heapOffset(backend, x) / bpe + base;
  const dst0 = heapOffset(backend, out) / bpe;
  if (k === 0) {
    heap.copyWithin(dst0, src0, src0 + run);
    return out;
  }
  // Rows along axis k-1 are handled by copyRows; the axes before it by an odometer.
  const rowAxis = k - 1;
  const rows = size[rowAxis]!;
  const rowStride = stride(rowAxis);
  const outer = total / (run * rows);
  const idx = new Array<number>(rowAxis).fill(0);
  let src = src0;
  let dst = dst0;
  for (let o = 0; o < outer; o++) {
    copyRows(heap, src, rowStride, dst, run, run, rows);
    dst += run * rows;
    for (let d = rowAxis - 1; d >= 0; d--) {
      idx[d]!++;
      src += stride(d);
      if (idx[d]! < size[d]!) break;
      src -= idx[d]! * stride(d);
      idx[d] = 0;
    }
  }
  return out;
}

/** A Slice kernel for wasm; `stock` handles what this one does not (string tensors). */
export function createSliceKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const x = args.inputs['x'];
    if (!x) throw new L2oError('INVALID_OPTION', 'Slice: input x is missing');
    if (!isHeapDType(x.dtype)) return stock(args);
    const attrs = args.attrs ?? {};
    const parsed = tf.slice_util.parseSliceParams(
      x as tf.Tensor,
      attrs['begin'] as number | number[],
      attrs['size'] as number | number[] | undefined,
    );
    return sliceHeap(args.backend, x, parsed[0]!, parsed[1]!);
  };
}
