import * as tf from '@tensorflow/tfjs';

/** Every tensor in a container (tensors, arrays and plain objects, any nesting), in visiting order. */
export function tensorsIn(c: tf.TensorContainer, out: tf.Tensor[] = []): tf.Tensor[] {
  if (c instanceof tf.Tensor) out.push(c);
  else if (Array.isArray(c)) for (const x of c) tensorsIn(x as tf.TensorContainer, out);
  else if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) {
    for (const x of Object.values(c)) tensorsIn(x as tf.TensorContainer, out);
  }
  return out;
}

/** Disposes the tensors of `from` that `keep` does not also hold (an optimizer may hand a tensor on unchanged). */
export function disposeExcept(from: tf.TensorContainer, keep: tf.TensorContainer): void {
  const kept = new Set(tensorsIn(keep).map((t) => t.id));
  for (const t of tensorsIn(from)) if (!kept.has(t.id)) t.dispose();
}

/** A copy of a container with every tensor cloned (numbers and other leaves as they are). */
export function cloneContainer<T extends tf.TensorContainer>(c: T): T {
  if (c instanceof tf.Tensor) return tf.clone(c) as unknown as T;
  if (Array.isArray(c)) return c.map((x) => cloneContainer(x as tf.TensorContainer)) as unknown as T;
  if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) {
    return Object.fromEntries(Object.entries(c).map(([k, v]) => [k, cloneContainer(v as tf.TensorContainer)])) as T;
  }
  return c;
}
