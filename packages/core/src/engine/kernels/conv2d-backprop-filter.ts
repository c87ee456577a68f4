import * as tf from '@tensorflow/tfjs';
import { cnnKernels } from './cnn-native.js';
import {
  heapOffset,
  runSingle,
  wasmKernel,
  type WasmBackendLike,
  type WasmKernelArgs,
  type WasmKernelFunc,
} from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/** Default largest transposed-patch buffer (floats, 32 MiB) built at once; larger batches go in chunks. */
export const MAX_PATCH_FLOATS = 1 << 23;

function toChannelsLast(backend: WasmBackendLike, t: tf.TensorInfo): tf.TensorInfo {
  return runSingle(wasmKernel('Transpose'), { inputs: { x: t }, backend, attrs: { perm: [0, 2, 3, 1] } });
}

/**
 * Conv2DBackpropFilter for wasm (tfjs-backend-wasm has none; conv2d's gradient w.r.t. the filter needs it):
 * dW[r, c, i, o] = Σ_{b, y, z} x[b, y·sh + r − padTop, z·sw + c − padLeft, i] · dy[b, y, z, o].
 * Builds the transposed im2col matrix Pᵀ [fh·fw·inC, rows] (rows = batch·outH·outW, zero where the window hits
 * padding) and computes dW = Pᵀ · dy with the stock XNNPACK matmul, in batch chunks to bound memory.
 * Supports NHWC and NCHW, strides, pad 'same' | 'valid' | number | explicit, dilations 1 (as tfjs's gradient).
 * Where l2o's native CNN kernels load (native/cnn-kernels.c on tfjs's own memory), they compute dW directly
 * (SIMD, no patch matrix); `useNative: false` forces the im2col path.
 */
export function createConv2dBackpropFilterKernel(maxPatchFloats = MAX_PATCH_FLOATS, useNative = true): WasmKernelFunc {
  return (args: WasmKernelArgs) => conv2dBackpropFilter(args, maxPatchFloats, useNative);
}

/** The kernel with the default chunk size. */
export const conv2dBackpropFilterKernel: WasmKernelFunc = createConv2dBackpropFilterKernel();

function conv2dBackpropFilter(args: WasmKernelArgs, maxPatchFloats: number, useNative: boolean): tf.TensorInfo {
  const { backend } = args;
  const x0 = args.inputs['x'];
  const dy0 = args.inputs['dy'];
  if (!x0 || !dy0) throw new L2oError('INVALID_OPTION', 'Conv2DBackpropFilter: inputs x and dy are required');
  const attrs = args.attrs ?? {};
  const dataFormat = tf.backend_util.convertConv2DDataFormat((attrs['dataFormat'] as 'NHWC' | 'NCHW') ?? 'NHWC');
  const filterShape = attrs['filterShape'] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(
    x0.shape as [number, number, number, number],
    filterShape,
    attrs['strides'] as number | [number, number],
    1,
    attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    false,
    dataFormat,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const channelsFirst = info.dataFormat === 'channelsFirst';
  const out = backend.makeOutput([fh, fw, inChannels, outChannels], 'float32');
  const K = fh * fw * inChannels;
  const outSize = K * outChannels;
  const rowsPerImage = outHeight * outWidth;
  if (outSize === 0) return out;
  if (batchSize * rowsPerImage === 0) {
    backend.typedArrayFromHeap(out).fill(0);
    return out;
  }
  const x = channelsFirst ? toChannelsLast(backend, x0) : x0;
  const dy = channelsFirst ? toChannelsLast(backend, dy0) : dy0;
  const native = useNative ? cnnKernels(backend) : undefined;
  if (native) {
    try {
      native.l2o_conv2d_filter_grad(
        heapOffset(backend, x),
        heapOffset(backend, dy),
        heapOffset(backend, out),
        batchSize,
        inHeight,
        inWidth,
        inChannels,
        outHeight,
        outWidth,
        outChannels,
        fh,
        fw,
        sh,
        sw,
        top,
        left,
      );
    } finally {
      if (x !== x0) backend.disposeData(x.dataId);
      if (dy !== dy0) backend.disposeData(dy.dataId);
    }
    return out;
  }
  const temps: tf.TensorInfo[] = [];
  try {
    const chunk = Math.max(1, Math.min(batchSize, Math.floor(maxPatchFloats / Math.max(1, K * rowsPerImage))));
    const matMul = wasmKernel('BatchMatMul');
    let first = true;
    for (let b0 = 0; b0 < batchSize; b0 += chunk) {
      const nb = Math.min(chunk, batchSize - b0);
      const rows = nb * rowsPerImage;
      const pT = backend.makeOutput([1, K, rows], 'float32');
      const dyc = backend.makeOutput([1, rows, outChannels], 'float32');
      temps.push(pT, dyc);
      {
        const p = backend.typedArrayFromHeap(pT);
        const xs = backend.typedArrayFromHeap(x);
        const d = backend.typedArrayFromHeap(dyc);
        const dys = backend.typedArrayFromHeap(dy);
        const dyStart = b0 * rowsPerImage * outChannels;
        for (let i = 0, n = rows * outChannels; i < n; i++) d[i] = dys[dyStart + i]!;
        p.fill(0);
        let row = 0;
        for (let b = b0; b < b0 + nb; b++) {
          const xb = b * inHeight * inWidth * inChannels;
          for (let oy = 0; oy < outHeight; oy++) {
            for (let ox = 0; ox < outWidth; ox++, row++) {
              for (let r = 0; r < fh; r++) {
                const iy = oy * sh + r - top;
                if (iy < 0 || iy >= inHeight) continue;
                for (let c = 0; c < fw; c++) {
                  const ix = ox * sw + c - left;
                  if (ix < 0 || ix >= inWidth) continue;
                  const src = xb + (iy * inWidth + ix) * inChannels;
                  let k = (r * fw + c) * inChannels * rows + row;
                  for (let i = 0; i < inChannels; i++, k += rows) p[k] = xs[src + i]!;
                }
              }
            }
          }
        }
      }
      const part = runSingle(matMul, {
        inputs: { a: pT, b: dyc },
        backend,
        attrs: { transposeA: false, transposeB: false },
      });
      const ps = backend.typedArrayFromHeap(part);
      const o = backend.typedArrayFromHeap(out);
      if (first) o.set(ps);
      else for (let i = 0; i < outSize; i++) o[i]! += ps[i]!;
      first = false;
      backend.disposeData(part.dataId);
      backend.disposeData(pT.dataId);
      backend.disposeData(dyc.dataId);
      temps.length = 0;
    }
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
    if (x !== x0) backend.disposeData(x.dataId);
    if (dy !== dy0) backend.disposeData(dy.dataId);
  }
  return out;
}
