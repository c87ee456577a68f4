import * as tf from '@tensorflow/tfjs';
import { L2oError } from './l2o-error.js';

/** The float32 values a tensor was made from by {@link hostTensor}, kept while the tensor lives. */
const hostCopies = new WeakMap<tf.Tensor, Float32Array>();

/**
 * A new float32 tensor of `shape` holding `values`, which {@link hostValues} then returns without reading the
 * backend back. For state that crosses between tensors and a kernel of plain arrays at every call (the fused
 * optimizers' evaluation and unroll boundaries): the next call gets the same numbers with no copy. `values` must
 * not change afterwards (tensors are immutable; the array stands for this one).
 */
export function hostTensor(values: Float32Array, shape: readonly number[]): tf.Tensor {
  const t = tf.tensor(values, shape as number[], 'float32');
  hostCopies.set(t, values);
  return t;
}

/**
 * The values of float32 tensor `t` as a read-only array: the array it was made from by {@link hostTensor}, else
 * `dataSync()`. Throws, naming `what`, if `t` was disposed or is not float32.
 */
export function hostValues(t: tf.Tensor, what = 'tensor'): Float32Array {
  if (t.isDisposed) throw new L2oError('INVALID_STATE', `${what}: the tensor was disposed`);
  if (t.dtype !== 'float32') throw new L2oError('INVALID_DATA', `${what}: dtype must be float32; got ${t.dtype}`);
  return hostCopies.get(t) ?? (t.dataSync() as Float32Array);
}
