import * as tf from '@tensorflow/tfjs';
import { orderedKeys } from './tensor-map.js';
import type { BatchData, Optimizee, TensorMap } from './types.js';

/** f(θ; batch) and ∇f(θ; batch) for every parameter. The caller owns the returned tensors. */
export function lossAndGrad<Batch extends BatchData>(
  task: Optimizee<Batch>,
  params: TensorMap,
  batch: Batch,
): { loss: tf.Scalar; grads: TensorMap } {
  const keys = orderedKeys(params);
  const xs = keys.map((k) => params[k]!);
  const { value, grads } = tf.valueAndGrads((...vs: tf.Tensor[]) => {
    const p: Record<string, tf.Tensor> = {};
    keys.forEach((k, i) => {
      p[k] = vs[i]!;
    });
    return task.loss(p, batch);
  })(xs);
  const g: Record<string, tf.Tensor> = {};
  keys.forEach((k, i) => {
    g[k] = grads[i]!;
  });
  return { loss: value as tf.Scalar, grads: g };
}
