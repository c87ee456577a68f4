import { L2oError, type Rng } from '@l2o/core';

/**
 * A random orthogonal n × n matrix distributed uniformly (Haar) over O(n), row-major in float64: the Q of a
 * Householder QR of a Gaussian matrix, with each column's sign fixed by the sign of R's diagonal (without that
 * fix Q would not be uniform). O(n³): meant for the small factors of a Kronecker rotation (n ≲ 100).
 */
export function haarOrthogonal(n: number, rng: Rng): Float64Array {
  if (!Number.isInteger(n) || n < 1)
    throw new L2oError('INVALID_OPTION', `haarOrthogonal: n must be a positive integer, got ${n}`);
  const a = new Float64Array(n * n);
  for (let i = 0; i < a.length; i++) a[i] = rng.normal();
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = new Float64Array(n);
  const w = new Float64Array(n);
  const signs = new Float64Array(n).fill(1);
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const x0 = a[k * n + k]!;
    // Reflect x onto alpha·e_k with alpha = −sign(x0)·‖x‖ (no cancellation); R's diagonal entry is then alpha.
    const alpha = x0 >= 0 ? -norm : norm;
    if (k === n - 1) {
      signs[k] = x0 >= 0 ? 1 : -1; // no reflection: R's last diagonal entry is x0 itself
      continue;
    }
    signs[k] = alpha >= 0 ? 1 : -1;
    if (norm === 0) continue;
    for (let i = k; i < n; i++) v[i] = a[i * n + k]!;
    v[k] = v[k]! - alpha;
    let vn = 0;
    for (let i = k; i < n; i++) vn += v[i]! * v[i]!;
    if (vn === 0) continue;
    const beta = 2 / vn;
    // A ← H A on rows k… (H = I − β v vᵀ).
    w.fill(0, k);
    for (let i = k; i < n; i++) {
      const vi = v[i]!;
      for (let j = k; j < n; j++) w[j] = w[j]! + vi * a[i * n + j]!;
    }
    for (let i = k; i < n; i++) {
      const s = beta * v[i]!;
      for (let j = k; j < n; j++) a[i * n + j] = a[i * n + j]! - s * w[j]!;
    }
    // Q ← Q H (Q = H₀ H₁ …).
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let i = k; i < n; i++) s += q[r * n + i]! * v[i]!;
      s *= beta;
      for (let i = k; i < n; i++) q[r * n + i] = q[r * n + i]! - s * v[i]!;
    }
  }
  // A = Q R with R's diagonal = signs·|·|; Q·diag(signs) makes R's diagonal positive: the unique, Haar Q.
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) q[r * n + c] = q[r * n + c]! * signs[c]!;
  return q;
}
