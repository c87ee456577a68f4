import * as tf from '@tensorflow/tfjs';
import { cnnKernels } from './cnn-native.js';
import { heapOffset, type WasmKernelArgs, type WasmKernelFunc } from './wasm-heap.js';

type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

function dilationsOne(d: unknown): boolean {
  return d === undefined || d === null || d === 1 || (Array.isArray(d) && d.every((v) => v === 1));
}

/**
 * Conv2D for wasm on l2o's native direct convolution (native/cnn-kernels.c: SIMD over 16 output channels, two
 * pixels per weight load), NHWC float32 with any strides and padding; dilations ≠ 1, NCHW and other dtypes go to
 * the stock (XNNPACK) kernel.
 */
export function createConv2dKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const x = args.inputs['x'];
    const filter = args.inputs['filter'];
    const attrs = args.attrs ?? {};
    const native = cnnKernels(backend);
    if (
      !native ||
      !x ||
      !filter ||
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      (attrs['dataFormat'] ?? 'NHWC') !== 'NHWC' ||
      !dilationsOne(attrs['dilations'])
    )
      return stock(args);
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      attrs['strides'] as number | [number, number],
      1,
      attrs['pad'] as Pad,
      attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    );
    const out = backend.makeOutput(info.outShape.slice(), 'float32');
    if (info.outShape.some((d) => d === 0)) return out;
    if (x.shape.some((d) => d === 0)) {
      backend.typedArrayFromHeap(out).fill(0);
      return out;
    }
    native.l2o_conv2d(
      heapOffset(backend, x),
      heapOffset(backend, filter),
      heapOffset(backend, out),
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.outChannels,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
    );
    return out;
  };
}

/**
 * Conv2DBackpropInput for wasm at stride 1 (NHWC float32): dx is the native convolution of dy with the filter
 * flipped in space and transposed in channels, padded by (filter side − 1 − original padding). Other strides,
 * NCHW and other dtypes go to the stock kernel.
 */
export function createConv2dBackpropInputKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const dy = args.inputs['dy'];
    const filter = args.inputs['filter'];
    const attrs = args.attrs ?? {};
    const native = cnnKernels(backend);
    if (
      !native ||
      !dy ||
      !filter ||
      dy.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      (attrs['dataFormat'] ?? 'NHWC') !== 'NHWC'
    )
      return stock(args);
    const inputShape = attrs['inputShape'] as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      attrs['strides'] as number | [number, number],
      1,
      attrs['pad'] as Pad,
      attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    );
    if (info.strideHeight !== 1 || info.strideWidth !== 1) return stock(args);
    const { filterHeight: fh, filterWidth: fw, inChannels: ci, outChannels: co } = info;
    const out = backend.makeOutput(inputShape.slice(), 'float32');
    if (inputShape.some((d) => d === 0)) return out;
    if (dy.shape.some((d) => d === 0) || fh * fw * ci * co === 0) {
      backend.typedArrayFromHeap(out).fill(0);
      return out;
    }
    // w'[r, c, o, i] = w[fh − 1 − r, fw − 1 − c, i, o]
    const flipped = backend.makeOutput([fh, fw, co, ci], 'float32');
    try {
      const w = backend.typedArrayFromHeap(filter);
      const f = backend.typedArrayFromHeap(flipped);
      for (let r = 0; r < fh; r++)
        for (let c = 0; c < fw; c++) {
          const src = ((fh - 1 - r) * fw + (fw - 1 - c)) * ci * co;
          const dst = (r * fw + c) * co * ci;
          for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) f[dst + o * ci + i] = w[src + i * co + o]!;
        }
      native.l2o_conv2d(
        heapOffset(backend, dy),
        heapOffset(backend, flipped),
        heapOffset(backend, out),
        info.batchSize,
        info.outHeight,
        info.outWidth,
        co,
        info.inHeight,
        info.inWidth,
        ci,
        fh,
        fw,
        1,
        1,
        fh - 1 - info.padInfo.top,
        fw - 1 - info.padInfo.left,
      );
    } finally {
      backend.disposeData(flipped.dataId);
    }
    return out;
  };
}
