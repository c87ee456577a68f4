import * as tf from '@tensorflow/tfjs';
import { orderedKeys } from './tensor-map.js';
import type { BatchData, Optimizee, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/**
 * f(θ; batch) and ∇f(θ; batch) for every parameter. The caller owns the returned tensors. The loss must be a
 * scalar: a loss of any other shape (a forgotten mean, say) is an error naming the optimizee and the shape it
 * returned, since averaging it silently would scramble every curve computed from it.
 */
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
    const returned: unknown = task.loss(p, batch);
    if (!(returned instanceof tf.Tensor)) {
      throw new L2oError(
        'INVALID_OPTION',
        `optimizee "${task.name}": loss(params, batch) must return a scalar tf.Tensor, got ${describe(returned)}`,
      );
    }
    return returned;
  })(xs);
  if (value.rank !== 0) {
    const shape = value.shape;
    value.dispose();
    tf.dispose(grads);
    throw new L2oError(
      'SHAPE_MISMATCH',
      `optimizee "${task.name}": loss(params, batch) must return a scalar (shape []), got a tensor of shape [${shape.join(', ')}]; reduce it, e.g. with tf.mean`,
    );
  }
  const g: Record<string, tf.Tensor> = {};
  keys.forEach((k, i) => {
    g[k] = grads[i]!;
  });
  return { loss: value as tf.Scalar, grads: g };
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'an object';
  return `a ${typeof v}`;
}
