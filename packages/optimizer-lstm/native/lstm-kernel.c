/*
 * Fused kernels of the coordinatewise LSTM optimizer (l2o), compiled to WebAssembly with SIMD128.
 *
 * Every optimizee coordinate is one row; all rows share the weights. The caller (src/fused/fused-lstm.ts)
 * owns the memory layout: every pointer below is an offset into this module's linear memory that the caller
 * chose. No allocation, no libc.
 *
 * Conventions (all float32 unless marked double):
 *   n      rows, a multiple of 4 (the caller pads; padded rows get zero output adjoints)
 *   din    inputs per row of the layer; hp hidden units per row, a multiple of 4 (the caller zero-pads H)
 *   G      = 4 hp gate columns, order input, forget, cell, output (hp columns each)
 *   W      [(din + hp), G]: rows 0..din-1 are Wx, rows din..din+hp-1 are Wh; b [G]
 *   WT     [G, kp]: the transpose of W, kp = din + hp rounded up to 8, padding columns zero
 *   gates  [n, G] after the nonlinearities (sigma(i), sigma(f), tanh(g), sigma(o)); h, c [n, hp]
 *
 * Forward:  z = x Wx + h_prev Wh + b;  c = f c_prev + i g;  h = o tanh(c).
 * Backward: the ordinary LSTM backward for one step with given dh (from above plus recurrent) and dc.
 * Inference (l2o_infer_rows): the forward step alone, state updated in place, no activations kept.
 */
#include <wasm_simd128.h>

typedef v128_t v4;

#define SPLAT(x) wasm_f32x4_splat(x)
#define LD(p) wasm_v128_load(p)
#define ST(p, x) wasm_v128_store((p), (x))
#define ADD(a, b) wasm_f32x4_add((a), (b))
#define SUB(a, b) wasm_f32x4_sub((a), (b))
#define MUL(a, b) wasm_f32x4_mul((a), (b))
#define MAC(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))

/* tanh x ~ x P(x^2) / Q(x^2) on |x| <= 9 (x clamped there; tanh 9 = 1 - 3e-8), a rational approximation fitted
 * here (weighted least squares iterated towards minimax, coefficients rounded to float32): max abs error
 * 5e-7 evaluated in float32, relative error below 3e-7 near 0. Division once, no exp. */
static inline v4 vtanh(v4 x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, SPLAT(-9.0f)), SPLAT(9.0f));
  v4 u = MUL(x, x);
  v4 p = SPLAT(2.202654725280695e-11f);
  p = MAC(SPLAT(-1.4345960863693108e-08f), p, u);
  p = MAC(SPLAT(9.81085395324044e-06f), p, u);
  p = MAC(SPLAT(0.0029813831206411123f), p, u);
  p = MAC(SPLAT(0.1297583132982254f), p, u);
  p = MAC(SPLAT(0.9999999403953552f), p, u);
  v4 q = SPLAT(0.000236425461480394f);
  q = MAC(SPLAT(0.024012070149183273f), q, u);
  q = MAC(SPLAT(0.46309152245521545f), q, u);
  q = MAC(SPLAT(1.0f), q, u);
  return wasm_f32x4_div(MUL(x, p), q);
}

/* sigma(x) = 1/2 + tanh(x / 2) / 2 = 1/2 + x P(x^2 / 4) / (4 Q(x^2 / 4)) with the P, Q above, the scalings folded
 * into the coefficients (x clamped to |x| <= 18): max abs error 2.5e-7 in float32. */
static inline v4 vsigmoid(v4 x) {
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, SPLAT(-18.0f)), SPLAT(18.0f));
  v4 u = MUL(x, x);
  v4 p = SPLAT(5.377575012892322e-15f);
  p = MAC(SPLAT(-1.40097274059503e-11f), p, u);
  p = MAC(SPLAT(3.8323648254845466e-08f), p, u);
  p = MAC(SPLAT(4.658411126001738e-05f), p, u);
  p = MAC(SPLAT(0.008109894581139088f), p, u);
  p = MAC(SPLAT(0.2499999850988388f), p, u);
  v4 q = SPLAT(3.6941478356311563e-06f);
  q = MAC(SPLAT(0.0015007543843239546f), q, u);
  q = MAC(SPLAT(0.11577288061380386f), q, u);
  q = MAC(SPLAT(1.0f), q, u);
  return ADD(SPLAT(0.5f), wasm_f32x4_div(MUL(x, p), q));
}

/* ln x for x > 0 (normal floats; +inf gives +inf): x = m 2^e with m in [√½, √2), ln x = e ln 2 + ln(1 + t), t = m − 1,
 * ln(1 + t) ≈ t − t²/2 + t³ P(t) with P of degree 7 fitted here (weighted least squares iterated towards minimax on
 * [√½ − 1, √2 − 1], coefficients rounded to float32): max abs error of ln(1 + t) 5.2e-8 evaluated in float32; ln 2 in
 * two parts (0.693359375 exact, the rest) so that e ln 2 adds no error of its own. */
static inline v4 vlog(v4 x) {
  const v4 bits = x;
  v4 e = wasm_i32x4_sub(wasm_u32x4_shr(bits, 23), wasm_i32x4_splat(127));
  v4 m = wasm_v128_or(wasm_v128_and(bits, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f800000));
  const v4 big = wasm_f32x4_gt(m, SPLAT(1.41421356f));
  m = wasm_v128_bitselect(MUL(m, SPLAT(0.5f)), m, big);
  e = wasm_i32x4_sub(e, big); /* big lanes are all ones = −1 */
  const v4 ef = wasm_f32x4_convert_i32x4(e);
  const v4 t = SUB(m, SPLAT(1.0f));
  const v4 t2 = MUL(t, t);
  v4 p = SPLAT(-0.062450118362903595f);
  p = MAC(SPLAT(0.11942807585000992f), p, t);
  p = MAC(SPLAT(-0.13329479098320007f), p, t);
  p = MAC(SPLAT(0.1434231698513031f), p, t);
  p = MAC(SPLAT(-0.16618387401103973f), p, t);
  p = MAC(SPLAT(0.19993527233600616f), p, t);
  p = MAC(SPLAT(-0.25000837445259094f), p, t);
  p = MAC(SPLAT(0.33333462476730347f), p, t);
  v4 r = ADD(SUB(t, MUL(SPLAT(0.5f), t2)), MUL(MUL(t2, t), p));
  r = ADD(MUL(ef, SPLAT(-2.12194440e-4f)), r);
  r = ADD(MUL(ef, SPLAT(0.693359375f)), r);
  return wasm_v128_bitselect(x, r, wasm_f32x4_eq(x, SPLAT(__builtin_inff())));
}

/*
 * The paper's log/sign preprocessing of rows [r0, r1) (multiples of 4): g = raw[r] → x[r] = (ln|g| / p, sign g) where
 * |g| ≥ e^-p, else (−1, g e^p); NaN gives (−1, NaN) and ±inf (+inf, ±1), as the JS path does.
 */
static inline void log_sign_rows(const float *raw, int r0, int r1, float p, float thr, float expP, float *x) {
  const v4 vp = SPLAT(p), vthr = SPLAT(thr), vexp = SPLAT(expP), one = SPLAT(1.0f), mone = SPLAT(-1.0f);
  for (int r = r0; r < r1; r += 4) {
    const v4 g = LD(raw + r);
    const v4 a = wasm_f32x4_abs(g);
    const v4 big = wasm_f32x4_ge(a, vthr);
    const v4 lg = wasm_f32x4_div(vlog(a), vp);
    const v4 sg = wasm_v128_bitselect(one, mone, wasm_f32x4_gt(g, SPLAT(0.0f)));
    const v4 c0 = wasm_v128_bitselect(lg, mone, big);
    const v4 c1 = wasm_v128_bitselect(sg, MUL(g, vexp), big);
    ST(x + 2 * r, wasm_i32x4_shuffle(c0, c1, 0, 4, 1, 5));
    ST(x + 2 * r + 4, wasm_i32x4_shuffle(c0, c1, 2, 6, 3, 7));
  }
}

/* Elementwise exports for tests of the approximations. */
__attribute__((export_name("l2o_vec_tanh"))) void l2o_vec_tanh(int n, const float *x, float *y) {
  for (int i = 0; i < n; i += 4) ST(y + i, vtanh(LD(x + i)));
}
__attribute__((export_name("l2o_vec_sigmoid"))) void l2o_vec_sigmoid(int n, const float *x, float *y) {
  for (int i = 0; i < n; i += 4) ST(y + i, vsigmoid(LD(x + i)));
}
__attribute__((export_name("l2o_vec_log"))) void l2o_vec_log(int n, const float *x, float *y) {
  for (int i = 0; i < n; i += 4) ST(y + i, vlog(LD(x + i)));
}
__attribute__((export_name("l2o_log_sign"))) void l2o_log_sign(int n, const float *raw, float p, float thr, float expP,
                                                                 float *x) {
  log_sign_rows(raw, 0, n, p, thr, expP, x);
}

/* z[4 rows][8 cols] += in[4 rows][0..k) * W[0..k)[j0..j0+8): register tile. */
#define TILE_4x8(in0, in1, in2, in3, K, Wp, ldw)                                                     \
  for (int kk_ = 0; kk_ < (K); kk_++) {                                                               \
    const float *w = (Wp) + (long)kk_ * (ldw);                                                        \
    v4 w0 = LD(w), w1 = LD(w + 4);                                                                    \
    v4 s0 = wasm_v128_load32_splat((in0) + kk_), s1 = wasm_v128_load32_splat((in1) + kk_);           \
    v4 s2 = wasm_v128_load32_splat((in2) + kk_), s3 = wasm_v128_load32_splat((in3) + kk_);           \
    a00 = MAC(a00, s0, w0); a01 = MAC(a01, s0, w1);                                                   \
    a10 = MAC(a10, s1, w0); a11 = MAC(a11, s1, w1);                                                   \
    a20 = MAC(a20, s2, w0); a21 = MAC(a21, s2, w1);                                                   \
    a30 = MAC(a30, s3, w0); a31 = MAC(a31, s3, w1);                                                   \
  }

/*
 * One layer over n rows. keep_gates = 1: gates [n, G] are kept (the unroll's backward reads them);
 * keep_gates = 0: gates is a [4, G] scratch reused by every 4-row group (inference). Rows only read their own
 * h_prev / c_prev (all of a group's h_prev is consumed before its h is written), so h may equal hprev and c may
 * equal cprev: the state is then updated in place.
 */
static inline void fwd_layer(int n, int din, int hp, const float *x, const float *hprev, const float *cprev,
                             const float *W, const float *b, float *gates, int keep_gates, float *h, float *c) {
  const int G = 4 * hp;
  const float *Wh = W + (long)din * G;
  for (int r = 0; r < n; r += 4) {
    const float *x0 = x + (long)r * din, *x1 = x0 + din, *x2 = x1 + din, *x3 = x2 + din;
    const float *h0 = hprev + (long)r * hp, *h1 = h0 + hp, *h2 = h1 + hp, *h3 = h2 + hp;
    float *z0 = gates + (keep_gates ? (long)r * G : 0), *z1 = z0 + G, *z2 = z1 + G, *z3 = z2 + G;
    for (int j = 0; j < G; j += 8) {
      v4 bj0 = LD(b + j), bj1 = LD(b + j + 4);
      v4 a00 = bj0, a01 = bj1, a10 = bj0, a11 = bj1, a20 = bj0, a21 = bj1, a30 = bj0, a31 = bj1;
      TILE_4x8(x0, x1, x2, x3, din, W + j, G)
      TILE_4x8(h0, h1, h2, h3, hp, Wh + j, G)
      ST(z0 + j, a00); ST(z0 + j + 4, a01);
      ST(z1 + j, a10); ST(z1 + j + 4, a11);
      ST(z2 + j, a20); ST(z2 + j + 4, a21);
      ST(z3 + j, a30); ST(z3 + j + 4, a31);
    }
    /* The gate nonlinearities first, then the cell: short independent chains the CPU can overlap (one loop doing
     * both made every vector wait for its gates' chains before its tanh(c) chain: ≈ 8 % slower forward). */
    for (int q = 0; q < 4; q++) {
      float *z = z0 + (long)q * G;
      for (int j = 0; j < 2 * hp; j += 4) ST(z + j, vsigmoid(LD(z + j)));
      for (int j = 2 * hp; j < 3 * hp; j += 4) ST(z + j, vtanh(LD(z + j)));
      for (int j = 3 * hp; j < G; j += 4) ST(z + j, vsigmoid(LD(z + j)));
    }
    for (int q = 0; q < 4; q++) {
      const float *z = z0 + (long)q * G;
      const float *cp = cprev + (long)(r + q) * hp;
      float *co = c + (long)(r + q) * hp, *ho = h + (long)(r + q) * hp;
      for (int j = 0; j < hp; j += 4) {
        v4 cn = ADD(MUL(LD(z + hp + j), LD(cp + j)), MUL(LD(z + j), LD(z + 2 * hp + j)));
        ST(co + j, cn);
        ST(ho + j, MUL(LD(z + 3 * hp + j), vtanh(cn)));
      }
    }
  }
}

__attribute__((export_name("l2o_fwd_layer"))) void l2o_fwd_layer(int n, int din, int hp, const float *x,
                                                                   const float *hprev, const float *cprev,
                                                                   const float *W, const float *b, float *gates,
                                                                   float *h, float *c) {
  fwd_layer(n, din, hp, x, hprev, cprev, W, b, gates, 1, h, c);
}

static inline float hsum(v4 a) {
  return wasm_f32x4_extract_lane(a, 0) + wasm_f32x4_extract_lane(a, 1) + wasm_f32x4_extract_lane(a, 2) +
         wasm_f32x4_extract_lane(a, 3);
}

/* out[r] = scale (h[r] . wo + bo) */
__attribute__((export_name("l2o_fwd_output"))) void l2o_fwd_output(int n, int hp, const float *h, const float *wo,
                                                                     float bo, float scale, float *out) {
  for (int r = 0; r < n; r++) {
    const float *hr = h + (long)r * hp;
    v4 acc = wasm_f32x4_splat(0.0f);
    for (int j = 0; j < hp; j += 4) acc = MAC(acc, LD(hr + j), LD(wo + j));
    out[r] = (hsum(acc) + bo) * scale;
  }
}

/*
 * Row averaging (LSTM+GAC's global cells), in two halves so that each thread works on its own rows:
 * l2o_sum_rows adds up the first `cols` columns of rows [r0, r1) per group (gofs: the groups' first rows,
 * gofs[ng] = the real rows; row stride `stride` floats) into acc[g * cols + j] (double, zeroed first; groups
 * outside [r0, r1) get 0); the caller adds the threads' sums and divides; l2o_fill_rows writes mean[g * cols + j]
 * into those columns of rows [r0, r1).
 */
__attribute__((export_name("l2o_sum_rows"))) void l2o_sum_rows(const float *x, int stride, int cols, const int *gofs,
                                                                 int ng, int r0, int r1, double *acc) {
  for (int g = 0; g < ng; g++) {
    double *a = acc + (long)g * cols;
    for (int j = 0; j < cols; j++) a[j] = 0.0;
    const int lo = gofs[g] > r0 ? gofs[g] : r0, hi = gofs[g + 1] < r1 ? gofs[g + 1] : r1;
    for (int r = lo; r < hi; r++) {
      const float *xr = x + (long)r * stride;
      for (int j = 0; j < cols; j++) a[j] += (double)xr[j];
    }
  }
}

__attribute__((export_name("l2o_fill_rows"))) void l2o_fill_rows(float *x, int stride, int cols, const int *gofs,
                                                                   int ng, int r0, int r1, const float *mean) {
  for (int g = 0; g < ng; g++) {
    const float *m = mean + (long)g * cols;
    const int lo = gofs[g] > r0 ? gofs[g] : r0, hi = gofs[g + 1] < r1 ? gofs[g + 1] : r1;
    for (int r = lo; r < hi; r++) {
      float *xr = x + (long)r * stride;
      for (int j = 0; j < cols; j++) xr[j] = m[j];
    }
  }
}

/* Output layer backward: dy = scale adj[r]; dh[r] += dy wo; dwo += dy h[r]; dbo += dy. */
__attribute__((export_name("l2o_bwd_output"))) void l2o_bwd_output(int n, int hp, const float *h, const float *adj,
                                                                     float scale, const float *wo, float *dh,
                                                                     double *dwo, double *dbo, float *scratch) {
  const int RC = 64;
  for (int r0 = 0; r0 < n; r0 += RC) {
    const int r1 = r0 + RC < n ? r0 + RC : n;
    for (int j = 0; j < hp; j++) scratch[j] = 0.0f;
    float sb = 0.0f;
    for (int r = r0; r < r1; r++) {
      const float dy = adj[r] * scale;
      if (dy == 0.0f) continue;
      sb += dy;
      const v4 d = SPLAT(dy);
      const float *hr = h + (long)r * hp;
      float *dhr = dh + (long)r * hp;
      for (int j = 0; j < hp; j += 4) {
        ST(dhr + j, MAC(LD(dhr + j), d, LD(wo + j)));
        ST(scratch + j, MAC(LD(scratch + j), d, LD(hr + j)));
      }
    }
    for (int j = 0; j < hp; j++) dwo[j] += scratch[j];
    *dbo += sb;
  }
}

#define BWD_RC 32

/* d[0..8) += (double) of the 8 floats in a, b (each lane converted, then one double add per element). */
static inline void add_row8(double *d, v4 a, v4 b) {
  wasm_v128_store(d, wasm_f64x2_add(wasm_v128_load(d), wasm_f64x2_promote_low_f32x4(a)));
  wasm_v128_store(d + 2, wasm_f64x2_add(wasm_v128_load(d + 2), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(a, a, 2, 3, 2, 3))));
  wasm_v128_store(d + 4, wasm_f64x2_add(wasm_v128_load(d + 4), wasm_f64x2_promote_low_f32x4(b)));
  wasm_v128_store(d + 6, wasm_f64x2_add(wasm_v128_load(d + 6), wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(b, b, 2, 3, 2, 3))));
}

/*
 * One step of the layer backward over all rows.
 *   dh: in dh_t (everything flowing into h_t), out dh_{t-1} (the recurrent part only)
 *   dc: in dc_t from the step after, out dc_{t-1}
 *   dx: if non-null, dx[r] += dz[r] Wx^T (flows into the layer below's h_t)
 *   dW [(din + hp), G] and db [G] accumulate in double.
 *   scratch: at least BWD_RC * (G + 2 kp) floats.
 */
__attribute__((export_name("l2o_bwd_layer"))) void l2o_bwd_layer(int n, int din, int hp, const float *x,
                                                                   const float *hprev, const float *cprev,
                                                                   const float *gates, const float *c, float *dh,
                                                                   float *dc, const float *WT, int kp, float *dx,
                                                                   double *dW, double *db, float *scratch) {
  const int G = 4 * hp;
  const int kin = din + hp;
  float *dz = scratch;                   /* [BWD_RC][G] */
  float *inb = dz + BWD_RC * G;          /* [BWD_RC][kp]: [x, h_prev, 0...] */
  float *outb = inb + BWD_RC * kp;       /* [BWD_RC][kp]: dz W^T */
  for (int r0 = 0; r0 < n; r0 += BWD_RC) {
    const int rows = r0 + BWD_RC < n ? BWD_RC : n - r0;
    /* 1. dz from dh, dc and the saved activations; dc_{t-1} in place; gather the inputs. */
    for (int q = 0; q < rows; q++) {
      const long r = r0 + q;
      const float *gt = gates + r * G;
      const float *ct = c + r * hp, *cp = cprev + r * hp;
      float *dhr = dh + r * hp, *dcr = dc + r * hp;
      float *dzr = dz + q * G;
      for (int j = 0; j < hp; j += 4) {
        v4 i = LD(gt + j), f = LD(gt + hp + j), g = LD(gt + 2 * hp + j), o = LD(gt + 3 * hp + j);
        v4 tc = vtanh(LD(ct + j));
        v4 dhv = LD(dhr + j);
        v4 one = SPLAT(1.0f);
        v4 dcv = ADD(LD(dcr + j), MUL(MUL(dhv, o), SUB(one, MUL(tc, tc))));
        ST(dzr + j, MUL(MUL(dcv, g), MUL(i, SUB(one, i))));
        ST(dzr + hp + j, MUL(MUL(dcv, LD(cp + j)), MUL(f, SUB(one, f))));
        ST(dzr + 2 * hp + j, MUL(MUL(dcv, i), SUB(one, MUL(g, g))));
        ST(dzr + 3 * hp + j, MUL(MUL(dhv, tc), MUL(o, SUB(one, o))));
        ST(dcr + j, MUL(dcv, f));
      }
      float *in = inb + q * kp;
      const float *xr = x + r * din, *hr = hprev + r * hp;
      int k = 0;
      for (; k + 4 <= din; k += 4) ST(in + k, LD(xr + k));
      for (; k < din; k++) in[k] = xr[k];
      for (int j = 0; j < hp; j += 4) ST(in + din + j, LD(hr + j));
      for (k = din + hp; k < kp; k++) in[k] = 0.0f;
    }
    /* 2. [dx, dh_prev] = dz W^T, 4 rows x 8 columns per tile (rows beyond `rows` are multiples of 4: n is). */
    for (int q = 0; q < rows; q += 4) {
      const float *d0 = dz + q * G, *d1 = d0 + G, *d2 = d1 + G, *d3 = d2 + G;
      for (int k = 0; k < kp; k += 8) {
        v4 a00 = SPLAT(0.0f), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        TILE_4x8(d0, d1, d2, d3, G, WT + k, kp)
        float *o0 = outb + q * kp + k, *o1 = o0 + kp, *o2 = o1 + kp, *o3 = o2 + kp;
        ST(o0, a00); ST(o0 + 4, a01);
        ST(o1, a10); ST(o1 + 4, a11);
        ST(o2, a20); ST(o2 + 4, a21);
        ST(o3, a30); ST(o3 + 4, a31);
      }
    }
    for (int q = 0; q < rows; q++) {
      const long r = r0 + q;
      const float *ob = outb + q * kp;
      if (dx) {
        float *dxr = dx + r * din;
        int k = 0;
        for (; k + 4 <= din; k += 4) ST(dxr + k, ADD(LD(dxr + k), LD(ob + k)));
        for (; k < din; k++) dxr[k] += ob[k];
      }
      float *dhr = dh + r * hp;
      for (int j = 0; j < hp; j += 4) ST(dhr + j, LD(ob + din + j));
    }
    /* 3. dW += in^T dz (float32 over the chunk, then into the double accumulators); db += sum dz. */
    for (int k = 0; k < kin; k += 4) {
      for (int j = 0; j < G; j += 8) {
        v4 a00 = SPLAT(0.0f), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int q = 0; q < rows; q++) {
          const float *dzr = dz + q * G + j;
          const float *in = inb + q * kp + k;
          v4 w0 = LD(dzr), w1 = LD(dzr + 4);
          v4 s0 = wasm_v128_load32_splat(in), s1 = wasm_v128_load32_splat(in + 1);
          v4 s2 = wasm_v128_load32_splat(in + 2), s3 = wasm_v128_load32_splat(in + 3);
          a00 = MAC(a00, s0, w0); a01 = MAC(a01, s0, w1);
          a10 = MAC(a10, s1, w0); a11 = MAC(a11, s1, w1);
          a20 = MAC(a20, s2, w0); a21 = MAC(a21, s2, w1);
          a30 = MAC(a30, s3, w0); a31 = MAC(a31, s3, w1);
        }
        double *dWr = dW + (long)k * G + j;
        add_row8(dWr, a00, a01);
        if (k + 1 < kin) add_row8(dWr + G, a10, a11);
        if (k + 2 < kin) add_row8(dWr + 2 * G, a20, a21);
        if (k + 3 < kin) add_row8(dWr + 3 * G, a30, a31);
      }
    }
    for (int j = 0; j < G; j += 4) {
      v4 s = SPLAT(0.0f);
      for (int q = 0; q < rows; q++) s = ADD(s, LD(dz + q * G + j));
      db[j] += wasm_f32x4_extract_lane(s, 0);
      db[j + 1] += wasm_f32x4_extract_lane(s, 1);
      db[j + 2] += wasm_f32x4_extract_lane(s, 2);
      db[j + 3] += wasm_f32x4_extract_lane(s, 3);
    }
  }
}

/*
 * Whole steps over a range of rows, driven by a plan the caller writes (uint32 words; byte offsets):
 *   [0] L  [1] d0  [2] np  [3] stepsBase  [4] stepStride  [5] x0Off  [6] adjOff  [7] out  [8] wo
 *   [9] bo (float bits)  [10] scale (float bits)  [11..12] dwo per thread  [13..14] dbo per thread
 *   [15..16] scratch per thread  [17] hp of the last layer
 *   layer l at 24 + 24 l: [0] din [1] hp [2] G [3] kp [4] W [5] b [6] WT [7] hInit [8] cInit [9] dh [10] dc
 *   [11] gatesOff [12] hOff [13] cOff [14..15] dW per thread [16..17] db per thread
 * Rows are independent (weights shared, state per row), so threads split the rows; each thread has its own
 * accumulators, which the caller adds up.
 * Word [21] is the byte offset of the backward's accumulator records (see l2o_backward_shared). Words [18], [19],
 * [22], [23]: when [18] is not 0, the byte offset of the raw gradients [np] (padded rows 0), which each thread turns
 * into the step's inputs for its own rows first (log/sign, d0 = 2) with p, e^-p, e^p (float bits).
 * Word [20] is the work counter of the *_shared entries: the caller zeroes it, then each thread repeatedly takes the
 * next `chunk` rows (an atomic add in the shared-memory build) until np is reached. A thread that is late to start
 * or runs slower simply takes fewer chunks, so neither waits for a fixed half of the other.
 */
#define P(i) (plan[i])
#define PTR(i) ((float *)(unsigned long)plan[i])
#define PL(l, i) (plan[24 + 24 * (l) + (i)])

/* The next chunk's first row from the work counter (plan word 20). */
static inline int take_rows(const unsigned *plan, int chunk) {
  int *counter = (int *)(plan + 20);
#ifdef __wasm_atomics__
  return __atomic_fetch_add(counter, chunk, __ATOMIC_RELAXED);
#else
  const int r = *counter;
  *counter = r + chunk;
  return r;
#endif
}

static inline float bits_to_float(unsigned u) {
  union { unsigned u; float f; } v;
  v.u = u;
  return v.f;
}

__attribute__((export_name("l2o_forward_rows"))) void l2o_forward_rows(const unsigned *plan, int t, int r0, int r1) {
  const int L = (int)P(0), d0 = (int)P(1);
  const int n = r1 - r0;
  if (n <= 0) return;
  char *blk = (char *)(unsigned long)(P(3) + (unsigned)t * P(4));
  char *prev = t > 0 ? (char *)(unsigned long)(P(3) + (unsigned)(t - 1) * P(4)) : 0;
  const float *x = (const float *)(blk + P(5)) + (long)r0 * d0;
  if (P(18)) log_sign_rows(PTR(18), r0, r1, bits_to_float(P(19)), bits_to_float(P(22)), bits_to_float(P(23)),
                           (float *)(blk + P(5)));
  int din = d0;
  for (int l = 0; l < L; l++) {
    const int hp = (int)PL(l, 1);
    const long ro = (long)r0 * hp;
    const float *hprev = prev ? (const float *)(prev + PL(l, 12)) : (const float *)(unsigned long)PL(l, 7);
    const float *cprev = prev ? (const float *)(prev + PL(l, 13)) : (const float *)(unsigned long)PL(l, 8);
    float *h = (float *)(blk + PL(l, 12)) + ro;
    fwd_layer(n, din, hp, x, hprev + ro, cprev + ro, (const float *)(unsigned long)PL(l, 4),
              (const float *)(unsigned long)PL(l, 5), (float *)(blk + PL(l, 11)) + (long)r0 * 4 * hp, 1, h,
              (float *)(blk + PL(l, 13)) + ro);
    x = h;
    din = hp;
  }
  l2o_fwd_output(n, (int)P(17), x, PTR(8), bits_to_float(P(9)), bits_to_float(P(10)), PTR(7) + r0);
}

/* l2o_forward_rows over chunks of rows taken from the work counter until np (see above). */
__attribute__((export_name("l2o_forward_shared"))) void l2o_forward_shared(const unsigned *plan, int t, int chunk,
                                                                             int np) {
  for (int r0 = take_rows(plan, chunk); r0 < np; r0 = take_rows(plan, chunk))
    l2o_forward_rows(plan, t, r0, r0 + chunk < np ? r0 + chunk : np);
}

/*
 * One inference step over rows [r0, r1) (no activations saved, state updated in place), driven by a plan of the
 * same shape as above, where only these words are read (byte offsets, absolute):
 *   [0] L  [1] d0  [5] x0 [rows, d0]  [7] out  [8] wo  [9] bo (float bits)  [10] scale (float bits)
 *   [15 + thread] gates scratch (4 G_max floats)  [17] hp of the last layer
 *   layer l at 24 + 24 l: [0] din [1] hp [4] W [5] b [7] h [8] c   (h, c: [rows, hp], in: h_{t-1}, out: h_t)
 */
__attribute__((export_name("l2o_infer_rows"))) void l2o_infer_rows(const unsigned *plan, int r0, int r1, int thread) {
  const int L = (int)P(0), d0 = (int)P(1);
  const int n = r1 - r0;
  if (n <= 0) return;
  const float *x = PTR(5) + (long)r0 * d0;
  if (P(18)) log_sign_rows(PTR(18), r0, r1, bits_to_float(P(19)), bits_to_float(P(22)), bits_to_float(P(23)), PTR(5));
  float *scratch = PTR(15 + thread);
  for (int l = 0; l < L; l++) {
    const int din = (int)PL(l, 0), hp = (int)PL(l, 1);
    const long ro = (long)r0 * hp;
    float *h = (float *)(unsigned long)PL(l, 7) + ro;
    float *c = (float *)(unsigned long)PL(l, 8) + ro;
    fwd_layer(n, din, hp, x, h, c, (const float *)(unsigned long)PL(l, 4), (const float *)(unsigned long)PL(l, 5),
              scratch, 0, h, c);
    x = h;
  }
  l2o_fwd_output(n, (int)P(17), x, PTR(8), bits_to_float(P(9)), bits_to_float(P(10)), PTR(7) + r0);
}

/* l2o_infer_rows over chunks of rows taken from the work counter until np. */
__attribute__((export_name("l2o_infer_shared"))) void l2o_infer_shared(const unsigned *plan, int chunk, int np,
                                                                         int thread) {
  for (int r0 = take_rows(plan, chunk); r0 < np; r0 = take_rows(plan, chunk))
    l2o_infer_rows(plan, r0, r0 + chunk < np ? r0 + chunk : np, thread);
}

/*
 * The whole-unroll backward's accumulator record of one chunk of rows: doubles laid out as, per layer, dW
 * [(din + hp) G] then db [G]; then dwo [hp of the last layer] and dbo [1].
 */
static void record_layer(const unsigned *plan, int l, double *rec, double **dW, double **db) {
  long off = 0;
  for (int i = 0; i < l; i++) off += (long)(PL(i, 0) + PL(i, 1) + 1) * PL(i, 2);
  *dW = rec + off;
  *db = rec + off + (long)(PL(l, 0) + PL(l, 1)) * PL(l, 2);
}

static long acc_record_doubles(const unsigned *plan) {
  const int L = (int)P(0);
  long off = 0;
  for (int i = 0; i < L; i++) off += (long)(PL(i, 0) + PL(i, 1) + 1) * PL(i, 2);
  return off + (long)P(17) + 1;
}

/* Doubles per accumulator record (see record_layer); the caller allocates one record per chunk at plan word 21. */
__attribute__((export_name("l2o_acc_record_doubles"))) int l2o_acc_record_doubles(const unsigned *plan) {
  return (int)acc_record_doubles(plan);
}

/* The backward over all K steps for rows [r0, r1) into the record `rec` (zeroed first). */
static void backward_range(const unsigned *plan, int K, int r0, int r1, int thread, double *rec) {
  const int L = (int)P(0), d0 = (int)P(1);
  const int n = r1 - r0;
  const int hpl = (int)P(17);
  const long m = acc_record_doubles(plan);
  for (long i = 0; i < m; i++) rec[i] = 0.0;
  double *dwo = rec + m - hpl - 1;
  double *dbo = dwo + hpl;
  float *scratch = PTR(15 + thread);
  if (n <= 0) return;
  for (int l = 0; l < L; l++) {
    const int hp = (int)PL(l, 1);
    float *dh = (float *)(unsigned long)PL(l, 9) + (long)r0 * hp;
    float *dc = (float *)(unsigned long)PL(l, 10) + (long)r0 * hp;
    for (long i = 0; i < (long)n * hp; i++) dh[i] = dc[i] = 0.0f;
  }
  const float scale = bits_to_float(P(10));
  for (int s = K - 1; s >= 0; s--) {
    char *blk = (char *)(unsigned long)(P(3) + (unsigned)s * P(4));
    char *prev = s > 0 ? (char *)(unsigned long)(P(3) + (unsigned)(s - 1) * P(4)) : 0;
    const int top = L - 1;
    l2o_bwd_output(n, hpl, (const float *)(blk + PL(top, 12)) + (long)r0 * hpl,
                   (const float *)(blk + P(6)) + r0, scale, PTR(8), (float *)(unsigned long)PL(top, 9) + (long)r0 * hpl,
                   dwo, dbo, scratch);
    for (int l = L - 1; l >= 0; l--) {
      const int din = (int)PL(l, 0), hp = (int)PL(l, 1);
      const long ro = (long)r0 * hp;
      const float *x = l > 0 ? (const float *)(blk + PL(l - 1, 12)) + (long)r0 * din
                             : (const float *)(blk + P(5)) + (long)r0 * d0;
      const float *hprev = prev ? (const float *)(prev + PL(l, 12)) : (const float *)(unsigned long)PL(l, 7);
      const float *cprev = prev ? (const float *)(prev + PL(l, 13)) : (const float *)(unsigned long)PL(l, 8);
      float *dx = l > 0 ? (float *)(unsigned long)PL(l - 1, 9) + (long)r0 * din : 0;
      double *dW, *db;
      record_layer(plan, l, rec, &dW, &db);
      l2o_bwd_layer(n, din, hp, x, hprev + ro, cprev + ro, (const float *)(blk + PL(l, 11)) + (long)r0 * 4 * hp,
                    (const float *)(blk + PL(l, 13)) + ro, (float *)(unsigned long)PL(l, 9) + ro,
                    (float *)(unsigned long)PL(l, 10) + ro, (const float *)(unsigned long)PL(l, 6), (int)PL(l, 3), dx,
                    dW, db, scratch);
    }
  }
}

/*
 * The backward over chunks of rows taken from the work counter until np; chunk c (rows [c chunk, (c + 1) chunk))
 * accumulates into its own record at plan word 21 + c records, whichever thread takes it. l2o_reduce_records then adds
 * the records up in chunk order, so the result does not depend on which thread ran which chunk, nor on the number of
 * threads.
 */
__attribute__((export_name("l2o_backward_shared"))) void l2o_backward_shared(const unsigned *plan, int K, int chunk,
                                                                               int np, int thread) {
  const long m = acc_record_doubles(plan);
  double *records = (double *)(unsigned long)P(21);
  for (int r0 = take_rows(plan, chunk); r0 < np; r0 = take_rows(plan, chunk))
    backward_range(plan, K, r0, r0 + chunk < np ? r0 + chunk : np, thread, records + (long)(r0 / chunk) * m);
}

/*
 * Adds the first `count` records up in order (into record 0) and writes the sums into thread 0's slots; thread 1's
 * slots are zeroed (callers add both threads' slots).
 */
__attribute__((export_name("l2o_reduce_records"))) void l2o_reduce_records(const unsigned *plan, int count) {
  const int L = (int)P(0);
  const int hpl = (int)P(17);
  const long m = acc_record_doubles(plan);
  double *rec = (double *)(unsigned long)P(21);
  for (int c = 1; c < count; c++) {
    const double *r = rec + (long)c * m;
    for (long i = 0; i < m; i++) rec[i] += r[i];
  }
  for (int l = 0; l < L; l++) {
    const long words = (long)(PL(l, 0) + PL(l, 1)) * PL(l, 2);
    const int G = (int)PL(l, 2);
    double *src, *srcb;
    record_layer(plan, l, rec, &src, &srcb);
    double *dW0 = (double *)(unsigned long)PL(l, 14), *dW1 = (double *)(unsigned long)PL(l, 15);
    double *db0 = (double *)(unsigned long)PL(l, 16), *db1 = (double *)(unsigned long)PL(l, 17);
    for (long i = 0; i < words; i++) {
      dW0[i] = src[i];
      dW1[i] = 0.0;
    }
    for (int i = 0; i < G; i++) {
      db0[i] = srcb[i];
      db1[i] = 0.0;
    }
  }
  const double *wo = rec + m - hpl - 1;
  double *dwo0 = (double *)(unsigned long)P(11), *dwo1 = (double *)(unsigned long)P(12);
  for (int j = 0; j < hpl; j++) {
    dwo0[j] = wo[j];
    dwo1[j] = 0.0;
  }
  *(double *)(unsigned long)P(13) = wo[hpl];
  *(double *)(unsigned long)P(14) = 0.0;
}
