import type * as tf from '@tensorflow/tfjs';
import { runSingle, wasmKernel, type WasmBackendLike, type WasmKernelArgs, type WasmKernelFunc } from './wasm-heap.js';
import { L2oError } from '../../l2o-error.js';

/** Transposes the last two axes with the wasm Transpose kernel. */
function swapInner(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = x.shape.map((_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runSingle(wasmKernel('Transpose'), { inputs: { x }, backend, attrs: { perm } });
}

/**
 * A BatchMatMul kernel for wasm: with transposeA/transposeB it transposes the operands explicitly and runs the
 * stock kernel without flags, which keeps XNNPACK's fast path (the flagged path is ≈10× slower). Without flags,
 * or for non-float32 inputs, it is the stock kernel.
 */
export function createBatchMatMulKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const a = args.inputs['a'];
    const b = args.inputs['b'];
    if (!a || !b) throw new L2oError('INVALID_OPTION', 'BatchMatMul: inputs a and b are required');
    const attrs = args.attrs ?? {};
    const transposeA = attrs['transposeA'] === true;
    const transposeB = attrs['transposeB'] === true;
    if ((!transposeA && !transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') return stock(args);
    if (a.shape.length < 2 || b.shape.length < 2) return stock(args);
    const at = transposeA ? swapInner(backend, a) : a;
    const bt = transposeB ? swapInner(backend, b) : b;
    try {
      return stock({
        inputs: { a: at, b: bt },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (at !== a) backend.disposeData(at.dataId);
      if (bt !== b) backend.disposeData(bt.dataId);
    }
  };
}
