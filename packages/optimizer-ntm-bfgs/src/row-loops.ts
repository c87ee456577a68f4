/**
 * The plain-array loops of the fused low-rank memory: K dot products against one vector, and the sum of K
 * scaled rows, four rows per pass over the vector (one load of the vector serves four rows; four independent
 * float64 sums). Rows are Float32Array, sums float64; every caller passes the same array types, so V8 keeps
 * each loop monomorphic.
 */

/** out[k] = Σ_q rows[k][q] · y[q] over the first n entries, for every k (float64 sums). */
export function dotRows(rows: readonly Float32Array[], y: Float32Array, n: number, out: Float64Array): void {
  const K = rows.length;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const x0 = rows[k]!;
    const x1 = rows[k + 1]!;
    const x2 = rows[k + 2]!;
    const x3 = rows[k + 3]!;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let q = 0; q < n; q++) {
      const yq = y[q]!;
      s0 += x0[q]! * yq;
      s1 += x1[q]! * yq;
      s2 += x2[q]! * yq;
      s3 += x3[q]! * yq;
    }
    out[k] = s0;
    out[k + 1] = s1;
    out[k + 2] = s2;
    out[k + 3] = s3;
  }
  for (; k < K; k++) {
    const x = rows[k]!;
    let s = 0;
    for (let q = 0; q < n; q++) s += x[q]! * y[q]!;
    out[k] = s;
  }
}

/** acc[q] += Σ_k rows[k][q] · coef[k] over the first n entries; rows whose coefficient is 0 are skipped. */
export function addRows(rows: readonly Float32Array[], coef: Float64Array, acc: Float64Array, n: number): void {
  const live: Float32Array[] = [];
  const c: number[] = [];
  rows.forEach((x, k) => {
    if (coef[k] !== 0) {
      live.push(x);
      c.push(coef[k]!);
    }
  });
  const K = live.length;
  let k = 0;
  for (; k + 3 < K; k += 4) {
    const x0 = live[k]!;
    const x1 = live[k + 1]!;
    const x2 = live[k + 2]!;
    const x3 = live[k + 3]!;
    const c0 = c[k]!;
    const c1 = c[k + 1]!;
    const c2 = c[k + 2]!;
    const c3 = c[k + 3]!;
    for (let q = 0; q < n; q++) acc[q]! += x0[q]! * c0 + x1[q]! * c1 + x2[q]! * c2 + x3[q]! * c3;
  }
  for (; k < K; k++) {
    const x = live[k]!;
    const ck = c[k]!;
    for (let q = 0; q < n; q++) acc[q]! += x[q]! * ck;
  }
}
