import * as tf from '@tensorflow/tfjs';
import { L2oError } from '@l2o/core';

/**
 * The external memory of NTM-BFGS, as pure tfjs functions (differentiable; none disposes its inputs).
 * Keys and head vectors are columns: r [n, R] holds R read keys, a and b [n, W] hold W write heads.
 */

/** Dense memory: the n×n matrix M. */
export type DenseMemory = { m: tf.Tensor2D };

/**
 * Low-rank memory (NTM-L-BFGS): M = m₀·I + Σ_j a_j b_jᵀ over the last K written pairs, stored as rows
 * a [K, n], b [K, n], oldest first; unused slots are zero rows (they add nothing).
 */
export type LowRankMemory = { a: tf.Tensor2D; b: tf.Tensor2D };

/** M₀ = m₀·I, n×n. */
export function denseMemoryInit(n: number, m0: number): DenseMemory {
  return tf.tidy(() => ({ m: tf.mul(tf.eye(n), m0) as tf.Tensor2D }));
}

/** M ← M + Σ_h a_h b_hᵀ = M + a·bᵀ (one rank-W product). O(n² W). */
export function denseMemoryWrite(mem: DenseMemory, a: tf.Tensor2D, b: tf.Tensor2D): DenseMemory {
  if (a.shape[1] === 0) return { m: tf.clone(mem.m) };
  return tf.tidy(() => ({ m: tf.add(mem.m, tf.matMul(a, tf.transpose(b))) as tf.Tensor2D }));
}

/** M·r for R keys at once: [n, R]. O(n² R). */
export function denseMemoryRead(mem: DenseMemory, r: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(mem.m, r);
}

/** An empty window of K slots for n coordinates (M = m₀·I until the first write). */
export function lowRankMemoryInit(n: number, window: number): LowRankMemory {
  return { a: tf.zeros([window, n]) as tf.Tensor2D, b: tf.zeros([window, n]) as tf.Tensor2D };
}

/**
 * Appends the W pairs (a_h, b_h) and drops the W oldest, by shifting with tf ops so that the shapes stay
 * [K, n] (a ring buffer in order: row K − 1 is the newest). W ≤ K. O(n K) copying.
 */
export function lowRankMemoryWrite(mem: LowRankMemory, a: tf.Tensor2D, b: tf.Tensor2D): LowRankMemory {
  const [k, n] = mem.a.shape;
  const w = a.shape[1];
  if (w > k)
    throw new L2oError(
      'INVALID_OPTION',
      `lowRankMemoryWrite: ${w} write heads do not fit a window of ${k} pairs (window must be ≥ writeHeads)`,
    );
  if (w === 0) return { a: tf.clone(mem.a), b: tf.clone(mem.b) };
  return tf.tidy(() => {
    const shift = (old: tf.Tensor2D, heads: tf.Tensor2D): tf.Tensor2D => {
      const rows = w === 1 ? tf.reshape(heads, [1, n]) : tf.transpose(heads);
      return (w === k ? rows : tf.concat([tf.slice(old, [w, 0], [k - w, n]), rows], 0)) as tf.Tensor2D;
    };
    return { a: shift(mem.a, a), b: shift(mem.b, b) };
  });
}

/**
 * M·r = m₀ r + Σ_j a_j (b_jᵀ r) = m₀ r + Aᵀ (B r), for R keys at once: [n, R]. O(n K R). Both products run
 * without a transpose flag (the slow path on tfjs wasm): (B r)ᵀ [R, K] · A [K, n], transposed back.
 */
export function lowRankMemoryRead(mem: LowRankMemory, r: tf.Tensor2D, m0: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, R] = r.shape;
    const coef = tf.matMul(mem.b, r); // [K, R]
    const rows = tf.matMul(R === 1 ? tf.reshape(coef, [1, -1]) : tf.transpose(coef), mem.a); // [R, n]
    const lowRank = R === 1 ? tf.reshape(rows, [n, 1]) : tf.transpose(rows);
    return (m0 === 0 ? lowRank : tf.add(tf.mul(r, m0), lowRank)) as tf.Tensor2D;
  });
}

/** The dense matrix a low-rank memory stands for (for tests and inspection; O(n² K)). */
export function lowRankMemoryToDense(mem: LowRankMemory, m0: number): tf.Tensor2D {
  return tf.tidy(
    () => tf.add(tf.mul(tf.eye(mem.a.shape[1]), m0), tf.matMul(tf.transpose(mem.a), mem.b)) as tf.Tensor2D,
  );
}
