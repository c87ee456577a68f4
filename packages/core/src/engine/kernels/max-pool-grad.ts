import * as tf from '@tensorflow/tfjs';
import { cnnKernels } from './cnn-native.js';
import { heapOffset, type WasmKernelArgs, type WasmKernelFunc } from './wasm-heap.js';

/**
 * MaxPoolGrad for wasm on l2o's native kernel (native/cnn-kernels.c): dx gets each dy at the first maximum of
 * its window (row-major, padding skipped), as tfjs's cpu backend does. Falls back to the stock kernel where the
 * native kernels are unavailable or the input is not float32.
 */
export function createMaxPoolGradKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const dy = args.inputs['dy'];
    const x = args.inputs['input'];
    const native = cnnKernels(backend);
    if (!dy || !x || !native || x.dtype !== 'float32' || dy.dtype !== 'float32') return stock(args);
    const attrs = args.attrs ?? {};
    const info = tf.backend_util.computePool2DInfo(
      x.shape as [number, number, number, number],
      attrs['filterSize'] as number | [number, number],
      attrs['strides'] as number | [number, number],
      1,
      attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding,
      attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
    );
    const out = backend.makeOutput(x.shape.slice(), 'float32');
    if (x.shape.some((d) => d === 0)) return out;
    native.l2o_max_pool_grad(
      heapOffset(backend, x),
      heapOffset(backend, dy),
      heapOffset(backend, out),
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
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
