import * as tf from '@tensorflow/tfjs';
import type { WasmKernelArgs, WasmKernelFunc } from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/**
 * UnsortedSegmentSum for wasm (tfjs-backend-wasm has none; gather's gradient needs it):
 * out[s, ...] = Σ_{i : segmentIds[i] = s} x[i, ...], out has shape [numSegments, ...x.shape.slice(segmentIds.rank)]
 * and x's dtype (float32 or int32). Ids outside [0, numSegments) are dropped, as in TensorFlow.
 */
export const unsortedSegmentSumKernel: WasmKernelFunc = (args: WasmKernelArgs) => {
  const { backend } = args;
  const x = args.inputs['x'];
  const ids = args.inputs['segmentIds'];
  if (!x || !ids) throw new L2oError('INVALID_OPTION', 'UnsortedSegmentSum: inputs x and segmentIds are required');
  const numSegments = args.attrs?.['numSegments'];
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new L2oError(
      'INVALID_OPTION',
      `UnsortedSegmentSum: numSegments must be a non-negative integer; got ${String(numSegments)}`,
    );
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new L2oError('INVALID_OPTION', `UnsortedSegmentSum: x.dtype must be float32 or int32; got ${x.dtype}`);
  }
  if (ids.dtype !== 'int32') {
    throw new L2oError('INVALID_OPTION', `UnsortedSegmentSum: segmentIds.dtype must be int32; got ${ids.dtype}`);
  }
  const r = ids.shape.length;
  for (let d = 0; d < r; d++) {
    if (ids.shape[d] !== x.shape[d]) {
      throw new L2oError(
        'SHAPE_MISMATCH',
        `UnsortedSegmentSum: segmentIds.shape [${ids.shape}] must be a prefix of x.shape [${x.shape}]`,
      );
    }
  }
  const innerShape = x.shape.slice(r);
  const inner = tf.util.sizeFromShape(innerShape);
  const n = tf.util.sizeFromShape(ids.shape);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype);
  const y = backend.typedArrayFromHeap(out);
  y.fill(0);
  const xs = backend.typedArrayFromHeap(x);
  const seg = backend.typedArrayFromHeap(ids);
  for (let i = 0; i < n; i++) {
    const s = seg[i]!;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) y[dst + j]! += xs[src + j]!;
  }
  return out;
};
