// The fused NTM-L-BFGS unroll's low-rank memory loops in WebAssembly SIMD128 (src/memory-kernel.ts drives them):
// K dot products of rows against one vector, and a scaled vector plus a combination of K rows. Rows are given as
// a table of K byte offsets, so the memory's pairs stay where they were written and a step only lists them.
// Built by native/build.sh into src/memory-kernel.wasm.ts (its own memory; single-threaded).
#include <wasm_simd128.h>

typedef unsigned int u32;
#define EXPORT(name) __attribute__((export_name(#name))) void name
// The four rows k … k + 3 of a table of row offsets, as x0 … x3.
#define ROWS4(rows, k)                                                                                            \
  const float *x0 = (const float *)(rows)[k], *x1 = (const float *)(rows)[(k) + 1];                               \
  const float *x2 = (const float *)(rows)[(k) + 2], *x3 = (const float *)(rows)[(k) + 3];

// f32x4 partial sums run over blocks of this many entries before they are added into float64 totals, so a dot
// product of 16k entries keeps float64-like accuracy at float32 SIMD speed.
#define BLOCK 256

static double hsum(v128_t a) {
  return (double)wasm_f32x4_extract_lane(a, 0) + (double)wasm_f32x4_extract_lane(a, 1) +
         (double)wasm_f32x4_extract_lane(a, 2) + (double)wasm_f32x4_extract_lane(a, 3);
}

// out[k] = Σ_q rows[k][q] · y[q] for k < K (float64 out), four rows per pass over y.
EXPORT(l2o_dot_rows)(const u32 *rows, int K, const float *y, int n, double *out) {
  const int n4 = n & ~3;
  int k = 0;
  for (; k + 3 < K; k += 4) {
    ROWS4(rows, k)
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int q = 0;
    while (q < n4) {
      const int end = q + BLOCK < n4 ? q + BLOCK : n4;
      v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
      for (; q < end; q += 4) {
        const v128_t yv = wasm_v128_load(y + q);
        a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(x0 + q), yv));
        a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(x1 + q), yv));
        a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(x2 + q), yv));
        a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(x3 + q), yv));
      }
      s0 += hsum(a0);
      s1 += hsum(a1);
      s2 += hsum(a2);
      s3 += hsum(a3);
    }
    for (; q < n; q++) {
      const double yq = y[q];
      s0 += x0[q] * yq;
      s1 += x1[q] * yq;
      s2 += x2[q] * yq;
      s3 += x3[q] * yq;
    }
    out[k] = s0;
    out[k + 1] = s1;
    out[k + 2] = s2;
    out[k + 3] = s3;
  }
  for (; k < K; k++) {
    const float *x = (const float *)rows[k];
    double s = 0;
    int q = 0;
    while (q < n4) {
      const int end = q + BLOCK < n4 ? q + BLOCK : n4;
      v128_t a = wasm_f32x4_splat(0);
      for (; q < end; q += 4) a = wasm_f32x4_add(a, wasm_f32x4_mul(wasm_v128_load(x + q), wasm_v128_load(y + q)));
      s += hsum(a);
    }
    for (; q < n; q++) s += (double)x[q] * y[q];
    out[k] = s;
  }
}

// Columns per chunk of l2o_axpy_rows: the chunk of `out` (4 KiB) stays in L1 while the rows stream past it.
#define CHUNK 1024

// out[q] = s · base[q] + Σ_k c[k] · rows[k][q] for q < n (base 0: no base term). out may be base.
EXPORT(l2o_axpy_rows)(const u32 *rows, const float *c, int K, const float *base, float s, int n, float *out) {
  const v128_t sv = wasm_f32x4_splat(s);
  for (int q0 = 0; q0 < n; q0 += CHUNK) {
    const int q1 = q0 + CHUNK < n ? q0 + CHUNK : n;
    const int e4 = q0 + ((q1 - q0) & ~3);
    int q = q0;
    if (base) {
      for (; q < e4; q += 4) wasm_v128_store(out + q, wasm_f32x4_mul(sv, wasm_v128_load(base + q)));
      for (; q < q1; q++) out[q] = s * base[q];
    } else {
      for (; q < e4; q += 4) wasm_v128_store(out + q, wasm_f32x4_splat(0));
      for (; q < q1; q++) out[q] = 0;
    }
    int k = 0;
    for (; k + 3 < K; k += 4) {
      ROWS4(rows, k)
      const float c0 = c[k], c1 = c[k + 1], c2 = c[k + 2], c3 = c[k + 3];
      const v128_t v0 = wasm_f32x4_splat(c0), v1 = wasm_f32x4_splat(c1), v2 = wasm_f32x4_splat(c2),
                   v3 = wasm_f32x4_splat(c3);
      for (q = q0; q < e4; q += 4) {
        v128_t t = wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x0 + q), v0), wasm_f32x4_mul(wasm_v128_load(x1 + q), v1));
        t = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_v128_load(x2 + q), v2));
        t = wasm_f32x4_add(t, wasm_f32x4_mul(wasm_v128_load(x3 + q), v3));
        wasm_v128_store(out + q, wasm_f32x4_add(wasm_v128_load(out + q), t));
      }
      for (; q < q1; q++) out[q] += x0[q] * c0 + x1[q] * c1 + x2[q] * c2 + x3[q] * c3;
    }
    for (; k < K; k++) {
      const float *x = (const float *)rows[k];
      const float ck = c[k];
      const v128_t v = wasm_f32x4_splat(ck);
      for (q = q0; q < e4; q += 4)
        wasm_v128_store(out + q, wasm_f32x4_add(wasm_v128_load(out + q), wasm_f32x4_mul(wasm_v128_load(x + q), v)));
      for (; q < q1; q++) out[q] += x[q] * ck;
    }
  }
}
