import * as tf from '@tensorflow/tfjs';
import { L2oError } from '../../l2o-error.js';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` that l2o's kernels use. Kept structural so the kernels do not
 * depend on the backend package's internal types.
 */
export interface WasmBackendLike {
  readonly wasm: { readonly HEAPU8: Uint8Array };
  readonly dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number; id: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  incRef(dataId: tf.DataId): void;
}

/** What a kernelFunc receives, with the backend typed as the wasm backend. */
export interface WasmKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackendLike;
  attrs?: tf.NamedAttrMap;
}

export type WasmKernelFunc = (args: WasmKernelArgs) => tf.TensorInfo | tf.TensorInfo[];

/** Numeric dtypes whose values live in the wasm heap (strings do not). */
export type HeapDType = 'float32' | 'int32' | 'bool';

export function isHeapDType(dtype: tf.DataType): dtype is HeapDType {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmBackendLike, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new L2oError('NOT_FOUND', 'wasm kernel: tensor data not found on the wasm backend');
  return data.memoryOffset;
}

/**
 * A bit-exact view of the whole heap for element-wise copies: Int32Array for 4-byte dtypes (copying float32
 * through an Int32Array keeps NaN payloads), Uint8Array for bool. Element indices are byte offsets / BYTES.
 * Fetch it after every allocation: growing the wasm memory detaches older views.
 */
export function wholeHeap(backend: WasmBackendLike, dtype: HeapDType): Int32Array | Uint8Array {
  const buffer = backend.wasm.HEAPU8.buffer;
  return dtype === 'bool' ? new Uint8Array(buffer) : new Int32Array(buffer);
}

export function bytesPerElement(dtype: HeapDType): number {
  return dtype === 'bool' ? 1 : 4;
}

/** Below this run length an element loop beats `copyWithin` (call overhead dominates). */
export const SHORT_RUN = 8;

/**
 * Copies `count` rows of `run` elements from `src` (row stride `srcStride`) to `dst` (row stride `dstStride`)
 * inside one heap view; all offsets are in elements of `heap`.
 */
export function copyRows(
  heap: Int32Array | Uint8Array,
  src: number,
  srcStride: number,
  dst: number,
  dstStride: number,
  run: number,
  count: number,
): void {
  if (run === 0 || count === 0) return;
  if (srcStride === run && dstStride === run) {
    heap.copyWithin(dst, src, src + run * count);
    return;
  }
  if (run >= SHORT_RUN) {
    for (let r = 0; r < count; r++) {
      heap.copyWithin(dst, src, src + run);
      src += srcStride;
      dst += dstStride;
    }
    return;
  }
  for (let r = 0; r < count; r++) {
    for (let j = 0; j < run; j++) heap[dst + j] = heap[src + j]!;
    src += srcStride;
    dst += dstStride;
  }
}

/** The currently registered wasm kernelFunc for `name`, typed for direct composition. */
export function wasmKernel(name: string): WasmKernelFunc {
  const config = tf.getKernel(name, 'wasm');
  if (!config)
    throw new L2oError(
      'NOT_FOUND',
      `wasm kernel "${name}" is not registered; load @tensorflow/tfjs-backend-wasm first`,
    );
  return config.kernelFunc as unknown as WasmKernelFunc;
}

/** Runs a kernelFunc that returns one tensor. */
export function runSingle(fn: WasmKernelFunc, args: WasmKernelArgs): tf.TensorInfo {
  const out = fn(args);
  if (Array.isArray(out)) throw new L2oError('INTERNAL', 'wasm kernel: expected one output');
  return out;
}
