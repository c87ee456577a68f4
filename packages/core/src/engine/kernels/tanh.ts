import * as tf from '@tensorflow/tfjs';
import { runSingle, wasmKernel, type WasmKernelArgs, type WasmKernelFunc } from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/** Below this |x|, tanh comes from its Taylor series (2·σ(2x)−1 would lose relative precision near 0). */
const SERIES_BELOW = 0.125;

/**
 * A Tanh kernel for wasm: tanh(x) = 2·σ(2x) − 1 through the stock vectorised Sigmoid kernel (the stock Tanh is
 * a scalar loop), with the Taylor series x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 for |x| < 1/8 so that small
 * inputs keep full relative precision. `stock` handles non-float32 inputs.
 */
export function createTanhKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const x = args.inputs['x'];
    if (!x) throw new L2oError('INVALID_OPTION', 'Tanh: input x is missing');
    const { backend } = args;
    const n = tf.util.sizeFromShape(x.shape);
    if (x.dtype !== 'float32' || n === 0) return stock(args);
    const twoX = backend.makeOutput(x.shape.slice(), 'float32');
    {
      const xs = backend.typedArrayFromHeap(x);
      const t = backend.typedArrayFromHeap(twoX);
      for (let i = 0; i < n; i++) t[i] = 2 * xs[i]!;
    }
    const out = runSingle(wasmKernel('Sigmoid'), { inputs: { x: twoX }, backend });
    backend.disposeData(twoX.dataId);
    const xs = backend.typedArrayFromHeap(x);
    const y = backend.typedArrayFromHeap(out);
    for (let i = 0; i < n; i++) {
      const v = xs[i]!;
      if (Math.abs(v) < SERIES_BELOW) {
        // (one comparison: two mispredict far more often on mixed-sign data)
        const v2 = v * v;
        y[i] = v * (1 + v2 * (-1 / 3 + v2 * (2 / 15 + v2 * (-17 / 315 + v2 * (62 / 2835)))));
      } else {
        y[i] = 2 * y[i]! - 1;
      }
    }
    return out;
  };
}
