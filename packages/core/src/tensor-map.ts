import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** Keys of a tensor map in a fixed (sorted) order, so flattening is stable. */
export function orderedKeys(map: TensorMap): string[] {
  return Object.keys(map).sort();
}

/** a + b elementwise for every key. Throws if keys or shapes differ. */
export function addMaps(a: TensorMap, b: TensorMap): TensorMap {
  assertSameKeys(a, b, 'addMaps');
  const out: Record<string, tf.Tensor> = {};
  for (const k of Object.keys(a)) out[k] = tf.add(a[k]!, b[k]!);
  return out;
}

/** Σ_k <a_k, b_k> as a scalar. */
export function dotMaps(a: TensorMap, b: TensorMap): tf.Scalar {
  assertSameKeys(a, b, 'dotMaps');
  return tf.tidy(() => {
    const terms = Object.keys(a).map((k) => tf.sum(tf.mul(a[k]!, b[k]!)));
    return terms.length === 0 ? tf.scalar(0) : (tf.addN(terms) as tf.Scalar);
  });
}

/** Total number of scalar coordinates in the map. */
export function mapSize(map: TensorMap): number {
  let n = 0;
  for (const t of Object.values(map)) n += t.size;
  return n;
}

/** Every tensor of the map concatenated into one 1-D tensor, in `orderedKeys` order. */
export function flattenMap(map: TensorMap): tf.Tensor1D {
  const keys = orderedKeys(map);
  return tf.tidy(() => {
    if (keys.length === 1) return tf.reshape(map[keys[0]!]!, [-1]) as tf.Tensor1D;
    return tf.concat(
      keys.map((k) => tf.reshape(map[k]!, [-1])),
      0,
    ) as tf.Tensor1D;
  });
}

/** Inverse of `flattenMap`: splits a 1-D (or [N, ...]) tensor back into the shapes of `like`. */
export function unflattenLike(flat: tf.Tensor, like: TensorMap): TensorMap {
  const keys = orderedKeys(like);
  return tf.tidy(() => {
    const sizes = keys.map((k) => like[k]!.size);
    const parts = keys.length === 1 ? [flat] : tf.split(flat, sizes, 0);
    const out: Record<string, tf.Tensor> = {};
    keys.forEach((k, i) => {
      out[k] = tf.reshape(parts[i]!, like[k]!.shape);
    });
    return out;
  });
}

/** Disposes every tensor of a map. */
export function disposeMap(map: TensorMap | undefined): void {
  if (map) for (const t of Object.values(map)) t.dispose();
}

/** Clones every tensor (new handles the caller owns). */
export function cloneMap(map: TensorMap): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, t] of Object.entries(map)) out[k] = tf.clone(t);
  return out;
}

export function assertSameKeys(a: TensorMap, b: TensorMap, where: string): void {
  const ka = orderedKeys(a);
  const kb = orderedKeys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) {
    throw new L2oError('SHAPE_MISMATCH', `${where}: parameter names differ: [${ka.join(', ')}] vs [${kb.join(', ')}]`);
  }
  for (const k of ka) {
    const sa = a[k]!.shape;
    const sb = b[k]!.shape;
    if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) {
      throw new L2oError('SHAPE_MISMATCH', `${where}: shape of "${k}" differs: [${sa.join(',')}] vs [${sb.join(',')}]`);
    }
  }
}

/** Disposes the tensors of a batch (any nesting); `null` and plain values are ignored. */
export function disposeBatch(batch: tf.TensorContainer | null): void {
  if (batch !== null) tf.dispose(batch);
}
