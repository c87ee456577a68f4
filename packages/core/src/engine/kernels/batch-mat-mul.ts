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
 * How a flagged product is run on the unflagged stock kernel. `operands`: transpose A and B explicitly and
 * multiply them; `swapped`: multiply in the other order, C = (op(B)ᵀ op(A)ᵀ)ᵀ, with whichever of B, A needs it
 * transposed first and the product transposed after. The plan moves fewer elements through transposes: for
 * Xᵀ·dZ with X a 128 × 784 batch and dZ 128 × 20 (a dense layer's weight gradient), 18,240 instead of 100,352.
 * m, k, n: C is m × n, the contraction has length k.
 */
export function transposePlan(
  m: number,
  k: number,
  n: number,
  transposeA: boolean,
  transposeB: boolean,
): 'operands' | 'swapped' {
  const operands = (transposeA ? m * k : 0) + (transposeB ? n * k : 0);
  const swapped = (transposeA ? 0 : m * k) + (transposeB ? 0 : n * k) + m * n;
  return swapped < operands ? 'swapped' : 'operands';
}

/**
 * A BatchMatMul kernel for wasm: with transposeA/transposeB it transposes explicitly and runs the stock kernel
 * without flags, which keeps XNNPACK's fast path (the flagged path is ≈10× slower), choosing by
 * {@link transposePlan} between transposing the operands and multiplying in the other order. Without flags, or for
 * non-float32 inputs, it is the stock kernel.
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
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 2 || rb < 2) return stock(args);
    const m = a.shape[transposeA ? ra - 1 : ra - 2] as number;
    const k = a.shape[transposeA ? ra - 2 : ra - 1] as number;
    const n = b.shape[transposeB ? rb - 2 : rb - 1] as number;
    const plain = { ...attrs, transposeA: false, transposeB: false };
    const temps: tf.TensorInfo[] = [];
    const swap = (x: tf.TensorInfo): tf.TensorInfo => {
      const t = swapInner(backend, x);
      temps.push(t);
      return t;
    };
    try {
      if (transposePlan(m, k, n, transposeA, transposeB) === 'operands')
        return stock({
          inputs: { a: transposeA ? swap(a) : a, b: transposeB ? swap(b) : b },
          backend,
          attrs: plain,
        });
      // C = (op(B)ᵀ op(A)ᵀ)ᵀ: B is already op(B)ᵀ when transposeB, A already op(A)ᵀ when transposeA.
      const product = runSingle(stock, {
        inputs: { a: transposeB ? b : swap(b), b: transposeA ? a : swap(a) },
        backend,
        attrs: plain,
      });
      temps.push(product);
      return swapInner(backend, product);
    } finally {
      for (const t of temps) backend.disposeData(t.dataId);
    }
  };
}
