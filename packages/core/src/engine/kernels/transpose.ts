import { cnnKernels } from './cnn-native.js';
import { heapOffset, type WasmKernelArgs, type WasmKernelFunc } from './wasm-heap.js';

/**
 * The [rows, cols] shape of each matrix when `perm` swaps the last two axes of `shape` and keeps the others in
 * place (a batch of matrix transposes), with the batch size; undefined for any other permutation.
 */
export function innerSwap(
  shape: readonly number[],
  perm: readonly number[],
): { batch: number; rows: number; cols: number } | undefined {
  const rank = shape.length;
  if (rank < 2 || perm.length !== rank) return undefined;
  for (let i = 0; i < rank - 2; i++) if (perm[i] !== i) return undefined;
  if (perm[rank - 2] !== rank - 1 || perm[rank - 1] !== rank - 2) return undefined;
  let batch = 1;
  for (let i = 0; i < rank - 2; i++) batch *= shape[i] as number;
  return { batch, rows: shape[rank - 2] as number, cols: shape[rank - 1] as number };
}

/**
 * Transpose for wasm: a swap of the last two axes (every matrix product's gradient needs one, and l2o's
 * BatchMatMul runs its transposed forms through it) of 4-byte elements runs on l2o's native kernel
 * (native/cnn-kernels.c: 32 × 32 tiles of 4 × 4 register blocks), which copies bits. tfjs-backend-wasm's own
 * kernel walks the output in order and reads the input a column at a time: 0.36 ms for a 128 × 784 batch
 * against ≈ 0.05. Other permutations, other dtypes, or no native kernels: the stock kernel.
 */
export function createTransposeKernel(stock: WasmKernelFunc): WasmKernelFunc {
  return (args: WasmKernelArgs) => {
    const { backend } = args;
    const x = args.inputs['x'];
    const perm = args.attrs?.['perm'] as number[] | undefined;
    if (!x || !perm || (x.dtype !== 'float32' && x.dtype !== 'int32')) return stock(args);
    const swap = innerSwap(x.shape, perm);
    const native = swap && cnnKernels(backend);
    if (!swap || !native) return stock(args);
    const shape = x.shape.slice();
    shape[shape.length - 2] = swap.cols;
    shape[shape.length - 1] = swap.rows;
    const out = backend.makeOutput(shape, x.dtype);
    if (swap.batch * swap.rows * swap.cols === 0) return out;
    native.l2o_transpose_inner(heapOffset(backend, x), heapOffset(backend, out), swap.batch, swap.rows, swap.cols);
    return out;
  };
}
