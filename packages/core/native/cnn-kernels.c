/*
 * l2o's own CNN kernels for the tfjs WebAssembly backend, compiled to WebAssembly with SIMD128.
 *
 * The module imports the tfjs-backend-wasm instance's memory: every pointer is the byte offset of a tensor in
 * that memory (tfjs's own allocation). No allocation, no libc, no data segment; the caller points this module's
 * stack at a scratch block it allocated from tfjs's heap. All tensors are NHWC float32, dense.
 *
 * l2o_conv2d_filter_grad  dW[r, c, i, o] = sum_{b, y, x} in[b, y sh + r - pt, x sw + c - pl, i] dy[b, y, x, o]
 * l2o_conv2d              out[b, y, x, o] = sum_{r, c, i} in[b, y sh + r - pt, x sw + c - pl, i] w[r, c, i, o]
   (l2o_conv2d also computes Conv2DBackpropInput at stride 1: a convolution of dy with the flipped, transposed w)
 * l2o_max_pool_grad       dIn[b, iy, ix, ch] = sum of dy over the windows whose first maximum (row-major, padding
 *                         excluded, strictly greater) is (iy, ix), as tfjs's cpu backend computes it
 * l2o_bn_relu_pool       batch norm in training mode over all rows of z [M, C] (M = B H W; batch mean, biased
 *                         variance), then y = max-pool(relu(gamma zhat + beta)) with p x p windows and stride p
 *                         (non-overlapping; padding skipped). Writes y, the flat index into z of each window's
 *                         first maximum (-1: empty window), and per channel mean and 1 / sqrt(var + eps).
 * l2o_bn_relu_pool_grad   its backward from dy (pooled): dz, dgamma, dbeta. Both need C a multiple of 4.
 * l2o_transpose_inner     y[b, j, i] = x[b, i, j] for 4-byte elements (bits copied, not converted), x [B, R, C]
 * Padding outside the input counts as zero (conv) or is skipped (pooling). Channel statistics are summed in double.
 */
#include <wasm_simd128.h>

typedef v128_t v4;
#define SPLAT(x) wasm_f32x4_splat(x)
#define LD(p) wasm_v128_load(p)
#define ST(p, x) wasm_v128_store((p), (x))
#define MAC(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#define EXPORT(name) __attribute__((export_name(#name))) void name

/* First output index y with y s + k - p >= 0, and one past the last with y s + k - p < n (clamped to [0, out]). */
static inline int lo_of(int k, int p, int s) {
  int t = p - k;
  return t <= 0 ? 0 : (t + s - 1) / s;
}
static inline int hi_of(int k, int p, int s, int n, int out) {
  int t = n - 1 + p - k;
  if (t < 0) return 0;
  int h = t / s + 1;
  return h < out ? h : out;
}

static void zero(float *p, int n) {
  int i = 0;
  for (; i + 4 <= n; i += 4) ST(p + i, SPLAT(0.0f));
  for (; i < n; i++) p[i] = 0.0f;
}

/* ------------------------------------------------------------------------------------------ filter gradient */

EXPORT(l2o_conv2d_filter_grad)(const float *x, const float *dy, float *dw, int B, int H, int W, int Ci, int OH, int OW,
                            int Co, int fh, int fw, int sh, int sw, int pt, int pl) {
  zero(dw, fh * fw * Ci * Co);
  for (int b = 0; b < B; b++) {
    const float *xb = x + (long)b * H * W * Ci;
    const float *dyb = dy + (long)b * OH * OW * Co;
    for (int r = 0; r < fh; r++) {
      int y0 = lo_of(r, pt, sh), y1 = hi_of(r, pt, sh, H, OH);
      for (int c = 0; c < fw; c++) {
        int x0 = lo_of(c, pl, sw), x1 = hi_of(c, pl, sw, W, OW);
        if (y0 >= y1 || x0 >= x1) continue;
        float *dwrc = dw + (long)(r * fw + c) * Ci * Co;
        int o = 0;
        for (; o + 16 <= Co; o += 16) {
          int i = 0;
          for (; i + 2 <= Ci; i += 2) {
            float *d0 = dwrc + (long)i * Co + o, *d1 = d0 + Co;
            v4 a0 = LD(d0), a1 = LD(d0 + 4), a2 = LD(d0 + 8), a3 = LD(d0 + 12);
            v4 b0 = LD(d1), b1 = LD(d1 + 4), b2 = LD(d1 + 8), b3 = LD(d1 + 12);
            for (int y = y0; y < y1; y++) {
              const float *xr = xb + (long)((y * sh + r - pt) * W + (x0 * sw + c - pl)) * Ci + i;
              const float *gr = dyb + (long)(y * OW + x0) * Co + o;
              for (int xx = x0; xx < x1; xx++, xr += sw * Ci, gr += Co) {
                v4 g0 = LD(gr), g1 = LD(gr + 4), g2 = LD(gr + 8), g3 = LD(gr + 12);
                v4 s = SPLAT(xr[0]), t = SPLAT(xr[1]);
                a0 = MAC(a0, s, g0); a1 = MAC(a1, s, g1); a2 = MAC(a2, s, g2); a3 = MAC(a3, s, g3);
                b0 = MAC(b0, t, g0); b1 = MAC(b1, t, g1); b2 = MAC(b2, t, g2); b3 = MAC(b3, t, g3);
              }
            }
            ST(d0, a0); ST(d0 + 4, a1); ST(d0 + 8, a2); ST(d0 + 12, a3);
            ST(d1, b0); ST(d1 + 4, b1); ST(d1 + 8, b2); ST(d1 + 12, b3);
          }
          for (; i < Ci; i++) {
            float *d0 = dwrc + (long)i * Co + o;
            v4 a0 = LD(d0), a1 = LD(d0 + 4), a2 = LD(d0 + 8), a3 = LD(d0 + 12);
            for (int y = y0; y < y1; y++) {
              const float *xr = xb + (long)((y * sh + r - pt) * W + (x0 * sw + c - pl)) * Ci + i;
              const float *gr = dyb + (long)(y * OW + x0) * Co + o;
              for (int xx = x0; xx < x1; xx++, xr += sw * Ci, gr += Co) {
                v4 s = SPLAT(xr[0]);
                a0 = MAC(a0, s, LD(gr)); a1 = MAC(a1, s, LD(gr + 4));
                a2 = MAC(a2, s, LD(gr + 8)); a3 = MAC(a3, s, LD(gr + 12));
              }
            }
            ST(d0, a0); ST(d0 + 4, a1); ST(d0 + 8, a2); ST(d0 + 12, a3);
          }
        }
        for (; o + 4 <= Co; o += 4) {
          for (int i = 0; i < Ci; i++) {
            float *d0 = dwrc + (long)i * Co + o;
            v4 a0 = LD(d0);
            for (int y = y0; y < y1; y++) {
              const float *xr = xb + (long)((y * sh + r - pt) * W + (x0 * sw + c - pl)) * Ci + i;
              const float *gr = dyb + (long)(y * OW + x0) * Co + o;
              for (int xx = x0; xx < x1; xx++, xr += sw * Ci, gr += Co) a0 = MAC(a0, SPLAT(xr[0]), LD(gr));
            }
            ST(d0, a0);
          }
        }
        for (; o < Co; o++) {
          for (int i = 0; i < Ci; i++) {
            float acc = dwrc[(long)i * Co + o];
            for (int y = y0; y < y1; y++) {
              const float *xr = xb + (long)((y * sh + r - pt) * W + (x0 * sw + c - pl)) * Ci + i;
              const float *gr = dyb + (long)(y * OW + x0) * Co + o;
              for (int xx = x0; xx < x1; xx++, xr += sw * Ci, gr += Co) acc += xr[0] * gr[0];
            }
            dwrc[(long)i * Co + o] = acc;
          }
        }
      }
    }
  }
}

/* ---------------------------------------------------------------------------------------------- convolution */

/* One output pixel, output channels [o, o + 16): acc += window . w over rows [r0, r1), columns [c0, c1). */
static inline void pix16(const float *xb, const float *w, float *out, int W, int Ci, int Co, int fw, int iy0, int ix0,
                         int r0, int r1, int c0, int c1, int o) {
  v4 a0 = SPLAT(0.0f), a1 = a0, a2 = a0, a3 = a0;
  /* Columns c0..c1 of one filter row are contiguous in x (c, i) and in w (c, i, o): one loop over j = c Ci + i. */
  for (int r = r0; r < r1; r++) {
    const float *xp = xb + ((iy0 + r) * W + ix0) * Ci;
    const float *wp = w + r * fw * Ci * Co + o + c0 * Ci * Co;
    for (int j = c0 * Ci; j < c1 * Ci; j++, wp += Co) {
      v4 s = SPLAT(xp[j]);
      a0 = MAC(a0, s, LD(wp)); a1 = MAC(a1, s, LD(wp + 4)); a2 = MAC(a2, s, LD(wp + 8)); a3 = MAC(a3, s, LD(wp + 12));
    }
  }
  ST(out + o, a0); ST(out + o + 4, a1); ST(out + o + 8, a2); ST(out + o + 12, a3);
}

/* Two horizontally adjacent interior pixels (full column range), 16 output channels: the weights are loaded once. */
static inline void pair16(const float *xb, const float *w, float *out, int W, int Ci, int Co, int fw, int sw, int iy0,
                          int ix0, int r0, int r1, int o) {
  v4 a0 = SPLAT(0.0f), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  int n = fw * Ci, step = sw * Ci;
  for (int r = r0; r < r1; r++) {
    const float *xp = xb + ((iy0 + r) * W + ix0) * Ci;
    const float *wp = w + r * fw * Ci * Co + o;
    for (int j = 0; j < n; j++, wp += Co) {
      v4 w0 = LD(wp), w1 = LD(wp + 4), w2 = LD(wp + 8), w3 = LD(wp + 12);
      v4 s = SPLAT(xp[j]), t = SPLAT(xp[j + step]);
      a0 = MAC(a0, s, w0); a1 = MAC(a1, s, w1); a2 = MAC(a2, s, w2); a3 = MAC(a3, s, w3);
      b0 = MAC(b0, t, w0); b1 = MAC(b1, t, w1); b2 = MAC(b2, t, w2); b3 = MAC(b3, t, w3);
    }
  }
  ST(out + o, a0); ST(out + o + 4, a1); ST(out + o + 8, a2); ST(out + o + 12, a3);
  out += Co;
  ST(out + o, b0); ST(out + o + 4, b1); ST(out + o + 8, b2); ST(out + o + 12, b3);
}

/* Generic: one pixel, channels [o0, Co) in blocks of 4 then one by one. */
static void pix_rest(const float *xb, const float *w, float *out, int W, int Ci, int Co, int fw, int iy0, int ix0,
                     int r0, int r1, int c0, int c1, int o0) {
  int o = o0;
  for (; o + 4 <= Co; o += 4) {
    v4 a = SPLAT(0.0f);
    for (int r = r0; r < r1; r++)
      for (int c = c0; c < c1; c++) {
        const float *xp = xb + ((iy0 + r) * W + ix0 + c) * Ci;
        const float *wp = w + (r * fw + c) * Ci * Co + o;
        for (int i = 0; i < Ci; i++, wp += Co) a = MAC(a, SPLAT(xp[i]), LD(wp));
      }
    ST(out + o, a);
  }
  for (; o < Co; o++) {
    float a = 0.0f;
    for (int r = r0; r < r1; r++)
      for (int c = c0; c < c1; c++) {
        const float *xp = xb + ((iy0 + r) * W + ix0 + c) * Ci;
        const float *wp = w + (r * fw + c) * Ci * Co + o;
        for (int i = 0; i < Ci; i++, wp += Co) a += xp[i] * wp[0];
      }
    out[o] = a;
  }
}

EXPORT(l2o_conv2d)(const float *x, const float *w, float *y, int B, int H, int W, int Ci, int OH, int OW, int Co, int fh,
                   int fw, int sh, int sw, int pt, int pl) {
  int o16 = Co / 16 * 16;
  for (int b = 0; b < B; b++) {
    const float *xb = x + b * H * W * Ci;
    for (int oy = 0; oy < OH; oy++) {
      int iy0 = oy * sh - pt;
      int r0 = iy0 < 0 ? -iy0 : 0;
      int r1 = H - iy0 < fh ? H - iy0 : fh;
      float *yr = y + (b * OH + oy) * OW * Co;
      if (r0 >= r1) {
        zero(yr, OW * Co);
        continue;
      }
      int ox = 0;
      while (ox < OW) {
        int ix0 = ox * sw - pl;
        int c0 = ix0 < 0 ? -ix0 : 0;
        int c1 = W - ix0 < fw ? W - ix0 : fw;
        float *out = yr + ox * Co;
        if (c0 >= c1) {
          zero(out, Co);
          ox++;
          continue;
        }
        /* A pair when both pixels see every column. */
        int ix1 = ix0 + sw;
        if (c0 == 0 && c1 == fw && ox + 1 < OW && ix1 + fw <= W) {
          for (int o = 0; o < o16; o += 16) pair16(xb, w, out, W, Ci, Co, fw, sw, iy0, ix0, r0, r1, o);
          if (o16 < Co) {
            pix_rest(xb, w, out, W, Ci, Co, fw, iy0, ix0, r0, r1, 0, fw, o16);
            pix_rest(xb, w, out + Co, W, Ci, Co, fw, iy0, ix1, r0, r1, 0, fw, o16);
          }
          ox += 2;
          continue;
        }
        for (int o = 0; o < o16; o += 16) pix16(xb, w, out, W, Ci, Co, fw, iy0, ix0, r0, r1, c0, c1, o);
        if (o16 < Co) pix_rest(xb, w, out, W, Ci, Co, fw, iy0, ix0, r0, r1, c0, c1, o16);
        ox++;
      }
    }
  }
}

/* ------------------------------------------------------------------------------------------------ max pool grad */

EXPORT(l2o_max_pool_grad)(const float *x, const float *dy, float *dx, int B, int H, int W, int C, int OH, int OW, int ph,
                       int pw, int sh, int sw, int pt, int pl) {
  zero(dx, B * H * W * C);
  for (int b = 0; b < B; b++) {
    const float *xb = x + (long)b * H * W * C;
    float *dxb = dx + (long)b * H * W * C;
    const float *dyb = dy + (long)b * OH * OW * C;
    for (int y = 0; y < OH; y++) {
      int ya = y * sh - pt, yb = ya + ph;
      if (ya < 0) ya = 0;
      if (yb > H) yb = H;
      for (int xo = 0; xo < OW; xo++) {
        int xa = xo * sw - pl, xe = xa + pw;
        if (xa < 0) xa = 0;
        if (xe > W) xe = W;
        const float *g = dyb + (long)(y * OW + xo) * C;
        for (int ch = 0; ch < C; ch++) {
          float best = -__builtin_inff();
          int at = -1;
          for (int iy = ya; iy < yb; iy++)
            for (int ix = xa; ix < xe; ix++) {
              int k = (iy * W + ix) * C + ch;
              float v = xb[k];
              if (v > best) {
                best = v;
                at = k;
              }
            }
          if (at >= 0) dxb[at] += g[ch];
        }
      }
    }
  }
}

/* ------------------------------------------------------------------------- fused batch norm + ReLU + max-pool */
/* C must be a multiple of 4 and at most MAXC (the caller checks); rows are summed in float32 blocks of ROWS, the
 * blocks in double. */
#define MAXC 512
#define ROWS 256

static inline void add_promoted(double *d, v4 s) {
  v128_t lo = wasm_f64x2_promote_low_f32x4(s);
  v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(s, s, 2, 3, 0, 1));
  wasm_v128_store(d, wasm_f64x2_add(wasm_v128_load(d), lo));
  wasm_v128_store(d + 2, wasm_f64x2_add(wasm_v128_load(d + 2), hi));
}

EXPORT(l2o_bn_relu_pool)(const float *z, const float *gamma, const float *beta, float *y, int *arg, float *mean,
                         float *inv, double *acc, int B, int H, int W, int C, int OH, int OW, int p, int pt, int pl,
                         float eps) {
  int M = B * H * W;
  int G = C / 4;
  for (int c = 0; c < C; c++) acc[c] = 0.0;
  for (int m0 = 0; m0 < M; m0 += ROWS) {
    int m1 = m0 + ROWS < M ? m0 + ROWS : M;
    for (int g = 0; g < G; g++) {
      v4 s = SPLAT(0.0f);
      for (int m = m0; m < m1; m++) s = wasm_f32x4_add(s, LD(z + m * C + 4 * g));
      add_promoted(acc + 4 * g, s);
    }
  }
  for (int c = 0; c < C; c++) mean[c] = (float)(acc[c] / (double)M);
  for (int c = 0; c < C; c++) acc[c] = 0.0;
  for (int m0 = 0; m0 < M; m0 += ROWS) {
    int m1 = m0 + ROWS < M ? m0 + ROWS : M;
    for (int g = 0; g < G; g++) {
      v4 s = SPLAT(0.0f), mu = LD(mean + 4 * g);
      for (int m = m0; m < m1; m++) {
        v4 d = wasm_f32x4_sub(LD(z + m * C + 4 * g), mu);
        s = MAC(s, d, d);
      }
      add_promoted(acc + 4 * g, s);
    }
  }
  for (int c = 0; c < C; c++) inv[c] = 1.0f / __builtin_sqrtf((float)(acc[c] / (double)M) + eps);
  const v4 lane = wasm_i32x4_make(0, 1, 2, 3);
  for (int b = 0; b < B; b++) {
    for (int oy = 0; oy < OH; oy++) {
      int ya = oy * p - pt, yb = ya + p;
      if (ya < 0) ya = 0;
      if (yb > H) yb = H;
      for (int ox = 0; ox < OW; ox++) {
        int xa = ox * p - pl, xe = xa + p;
        if (xa < 0) xa = 0;
        if (xe > W) xe = W;
        int o = ((b * OH + oy) * OW + ox) * C;
        for (int g = 0; g < G; g++) {
          v4 mu = LD(mean + 4 * g), iv = LD(inv + 4 * g), ga = LD(gamma + 4 * g), be = LD(beta + 4 * g);
          v4 best = SPLAT(-__builtin_inff());
          v4 at = wasm_i32x4_splat(-1);
          for (int iy = ya; iy < yb; iy++)
            for (int ix = xa; ix < xe; ix++) {
              int k = ((b * H + iy) * W + ix) * C + 4 * g;
              v4 u = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_sub(LD(z + k), mu), iv), ga), be);
              v4 a = wasm_f32x4_pmax(SPLAT(0.0f), u);
              v4 gt = wasm_f32x4_gt(a, best);
              best = wasm_v128_bitselect(a, best, gt);
              at = wasm_v128_bitselect(wasm_i32x4_add(wasm_i32x4_splat(k), lane), at, gt);
            }
          /* An empty window (all padding) keeps -inf: output 0 there. */
          v4 empty = wasm_i32x4_eq(at, wasm_i32x4_splat(-1));
          ST(y + o + 4 * g, wasm_v128_andnot(best, empty));
          ST(arg + o + 4 * g, at);
        }
      }
    }
  }
}

EXPORT(l2o_bn_relu_pool_grad)(const float *z, const float *gamma, const float *beta, const float *mean,
                              const float *inv, const int *arg, const float *dy, float *dz, float *dgamma,
                              float *dbeta, double *acc, int M, int C, int P) {
  /* P pooled outputs (B OH OW); acc: 2 C doubles (d beta, d gamma). du is non-zero only at the window maxima
   * where u = gamma zhat + beta > 0. */
  int G = C / 4;
  for (int c = 0; c < 2 * C; c++) acc[c] = 0.0;
  for (int q0 = 0; q0 < P; q0 += ROWS) {
    int q1 = q0 + ROWS < P ? q0 + ROWS : P;
    for (int g = 0; g < G; g++) {
      v4 mu = LD(mean + 4 * g), iv = LD(inv + 4 * g), ga = LD(gamma + 4 * g), be = LD(beta + 4 * g);
      v4 sb = SPLAT(0.0f), sg = SPLAT(0.0f);
      for (int q = q0; q < q1; q++) {
        const int *kk = arg + q * C + 4 * g;
        v4 valid = wasm_i32x4_ge(LD(kk), wasm_i32x4_splat(0));
        v4 zk = wasm_f32x4_make(kk[0] >= 0 ? z[kk[0]] : 0.0f, kk[1] >= 0 ? z[kk[1]] : 0.0f,
                                kk[2] >= 0 ? z[kk[2]] : 0.0f, kk[3] >= 0 ? z[kk[3]] : 0.0f);
        v4 zh = wasm_f32x4_mul(wasm_f32x4_sub(zk, mu), iv);
        v4 u = wasm_f32x4_add(wasm_f32x4_mul(zh, ga), be);
        v4 live = wasm_v128_and(valid, wasm_f32x4_gt(u, SPLAT(0.0f)));
        v4 d = wasm_v128_and(LD(dy + q * C + 4 * g), live);
        sb = wasm_f32x4_add(sb, d);
        sg = MAC(sg, d, zh);
      }
      add_promoted(acc + 4 * g, sb);
      add_promoted(acc + C + 4 * g, sg);
    }
  }
  for (int c = 0; c < C; c++) {
    dbeta[c] = (float)acc[c];
    dgamma[c] = (float)acc[C + c];
  }
  /* dz = gamma inv / M (M du - dbeta - zhat dgamma) */
  float invM = 1.0f / (float)M;
  for (int g = 0; g < G; g++) {
    v4 mu = LD(mean + 4 * g), iv = LD(inv + 4 * g);
    v4 coef = wasm_f32x4_mul(wasm_f32x4_mul(LD(gamma + 4 * g), iv), SPLAT(-invM));
    v4 db = LD(dbeta + 4 * g), dg = LD(dgamma + 4 * g);
    for (int m = 0; m < M; m++) {
      v4 zh = wasm_f32x4_mul(wasm_f32x4_sub(LD(z + m * C + 4 * g), mu), iv);
      ST(dz + m * C + 4 * g, wasm_f32x4_mul(coef, MAC(db, zh, dg)));
    }
  }
  for (int q = 0; q < P; q++) {
    for (int c = 0; c < C; c++) {
      int k = arg[q * C + c];
      if (k < 0) continue;
      float zh = (z[k] - mean[c]) * inv[c];
      float u = zh * gamma[c] + beta[c];
      if (!(u > 0.0f)) continue;
      dz[k] += gamma[c] * inv[c] * dy[q * C + c];
    }
  }
}

/*
 * y[b, j, i] = x[b, i, j], x [B, R, C], 4-byte elements moved as bits. Tiles of 32 x 32 elements (4 KiB read, 4 KiB
 * written: both stay in L1), each as 4 x 4 blocks transposed in registers by shuffles; the edges element by element.
 */
EXPORT(l2o_transpose_inner)(const int *x, int *y, int B, int R, int C) {
  const long plane = (long)R * C;
  for (int b = 0; b < B; b++) {
    const int *xb = x + b * plane;
    int *yb = y + b * plane;
    for (int i0 = 0; i0 < R; i0 += 32) {
      const int i1 = i0 + 32 < R ? i0 + 32 : R;
      for (int j0 = 0; j0 < C; j0 += 32) {
        const int j1 = j0 + 32 < C ? j0 + 32 : C;
        int i = i0;
        for (; i + 4 <= i1; i += 4) {
          const int *r = xb + (long)i * C;
          int j = j0;
          for (; j + 4 <= j1; j += 4) {
            const v4 a = LD(r + j), bb = LD(r + C + j), c = LD(r + 2 * C + j), d = LD(r + 3 * C + j);
            const v4 ab01 = wasm_i32x4_shuffle(a, bb, 0, 4, 1, 5), cd01 = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
            const v4 ab23 = wasm_i32x4_shuffle(a, bb, 2, 6, 3, 7), cd23 = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
            int *o = yb + (long)j * R + i;
            ST(o, wasm_i32x4_shuffle(ab01, cd01, 0, 1, 4, 5));
            ST(o + R, wasm_i32x4_shuffle(ab01, cd01, 2, 3, 6, 7));
            ST(o + 2 * R, wasm_i32x4_shuffle(ab23, cd23, 0, 1, 4, 5));
            ST(o + 3 * R, wasm_i32x4_shuffle(ab23, cd23, 2, 3, 6, 7));
          }
          for (; j < j1; j++)
            for (int q = 0; q < 4; q++) yb[(long)j * R + i + q] = r[(long)q * C + j];
        }
        for (; i < i1; i++)
          for (int j = j0; j < j1; j++) yb[(long)j * R + i] = xb[(long)i * C + j];
      }
    }
  }
}
