// The hyper optimizer's per-parameter work, in WebAssembly SIMD128 on tfjs-backend-wasm's own memory (pointers are
// byte offsets of tensors in that memory; see src/native/hyper-native.ts). Two passes over each parameter tensor:
//
//  l2o_hyper_moments: the three accumulators m, v, m2 of the step and the six sums the controller's features need
//                     (g·m₋, g·g, m₋·m₋, Σ(m̂/(√v̂+ε))², Σv̂, θ·θ), accumulated in float32 lanes over blocks of
//                     BLOCK elements and in double across blocks, written as six doubles.
//  l2o_hyper_update:  the update (a·g + b·m + c·m2) / (√(v/c2) + ε) once the controller has chosen a, b, c.
//
// The same arithmetic as src/hyper-step-fast.ts (float32 storage, the bias corrections passed as reciprocals).
#include <wasm_simd128.h>

typedef v128_t v4;
#define LD(p) wasm_v128_load(p)
#define ST(p, x) wasm_v128_store((p), (x))
#define SPLAT(x) wasm_f32x4_splat(x)
#define ADD wasm_f32x4_add
#define MUL wasm_f32x4_mul
#define EXPORT(name) __attribute__((export_name(#name))) void name

enum { BLOCK = 1024 };

static inline double lanes(v4 s) {
  return (double)wasm_f32x4_extract_lane(s, 0) + (double)wasm_f32x4_extract_lane(s, 1) +
         (double)wasm_f32x4_extract_lane(s, 2) + (double)wasm_f32x4_extract_lane(s, 3);
}

// stats: 6 doubles (8-byte aligned): dot, gg, mm, d1sq, vhat_sum, theta_sq.
EXPORT(l2o_hyper_moments)(const float *g, const float *th, const float *m0, const float *v0, const float *w0, float *m,
                          float *v, float *w, double *stats, int n, float b1, float b2, float b3, float ic1, float ic2,
                          float eps) {
  const v4 B1 = SPLAT(b1), A1 = SPLAT(1.0f - b1), B2 = SPLAT(b2), A2 = SPLAT(1.0f - b2), B3 = SPLAT(b3),
           A3 = SPLAT(1.0f - b3), IC1 = SPLAT(ic1), IC2 = SPLAT(ic2), EPS = SPLAT(eps);
  double acc[6] = {0, 0, 0, 0, 0, 0};
  const int n4 = n & ~3;
  int i = 0;
  while (i < n4) {
    const int end = n4 - i > BLOCK ? i + BLOCK : n4;
    v4 s0 = SPLAT(0.0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
    for (; i < end; i += 4) {
      const v4 gj = LD(g + i), mp = LD(m0 + i), x = LD(th + i);
      s0 = ADD(s0, MUL(gj, mp));
      s1 = ADD(s1, MUL(gj, gj));
      s2 = ADD(s2, MUL(mp, mp));
      const v4 mj = ADD(MUL(B1, mp), MUL(A1, gj));
      const v4 vj = ADD(MUL(B2, LD(v0 + i)), MUL(A2, MUL(gj, gj)));
      ST(m + i, mj);
      ST(v + i, vj);
      ST(w + i, ADD(MUL(B3, LD(w0 + i)), MUL(A3, gj)));
      const v4 vh = MUL(vj, IC2);
      const v4 d1 = wasm_f32x4_div(MUL(mj, IC1), ADD(wasm_f32x4_sqrt(vh), EPS));
      s3 = ADD(s3, MUL(d1, d1));
      s4 = ADD(s4, vh);
      s5 = ADD(s5, MUL(x, x));
    }
    acc[0] += lanes(s0);
    acc[1] += lanes(s1);
    acc[2] += lanes(s2);
    acc[3] += lanes(s3);
    acc[4] += lanes(s4);
    acc[5] += lanes(s5);
  }
  for (; i < n; i++) {
    const float gj = g[i], mp = m0[i], x = th[i];
    acc[0] += (double)gj * mp;
    acc[1] += (double)gj * gj;
    acc[2] += (double)mp * mp;
    const float mj = b1 * mp + (1.0f - b1) * gj;
    const float vj = b2 * v0[i] + (1.0f - b2) * (gj * gj);
    m[i] = mj;
    v[i] = vj;
    w[i] = b3 * w0[i] + (1.0f - b3) * gj;
    const float vh = vj * ic2;
    const float d1 = (mj * ic1) / (__builtin_sqrtf(vh) + eps);
    acc[3] += (double)d1 * d1;
    acc[4] += vh;
    acc[5] += (double)x * x;
  }
  for (int k = 0; k < 6; k++) stats[k] = acc[k];
}

EXPORT(l2o_hyper_update)(const float *g, const float *m, const float *v, const float *w, float *u, int n, float a,
                         float b, float c, float ic2, float eps) {
  const v4 A = SPLAT(a), Bv = SPLAT(b), C = SPLAT(c), IC2 = SPLAT(ic2), EPS = SPLAT(eps);
  const int n4 = n & ~3;
  int i = 0;
  for (; i < n4; i += 4) {
    const v4 num = ADD(ADD(MUL(A, LD(g + i)), MUL(Bv, LD(m + i))), MUL(C, LD(w + i)));
    ST(u + i, wasm_f32x4_div(num, ADD(wasm_f32x4_sqrt(MUL(LD(v + i), IC2)), EPS)));
  }
  for (; i < n; i++) u[i] = (a * g[i] + b * m[i] + c * w[i]) / (__builtin_sqrtf(v[i] * ic2) + eps);
}
