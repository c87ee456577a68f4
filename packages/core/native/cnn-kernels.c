/*
 * l2o's own CNN kernels for the tfjs WebAssembly backend, compiled to WebAssembly with SIMD128.
 *
 * The module imports the tfjs-backend-wasm instance's memory: every pointer is the byte offset of a tensor in
 * that memory (tfjs's own allocation). No allocation, no libc, no data segment; the caller points this module's
 * stack at a scratch block it allocated from tfjs's heap. All tensors are NHWC float32, dense.
 *
 * l2o_conv2d_filter_grad  dW[r, c, i, o] = sum_{b, y, x} in[b, y sh + r - pt, x sw + c - pl, i] dy[b, y, x, o]
 * l2o_conv2d              out[b, y, x, o] = sum_{r, c, i} in[b, y sh + r - pt, x sw + c - pl, i] w[r, c, i, o]
 * l2o_conv2d_input_grad   dIn[b, iy, ix, i] = sum over (y, x, r, c) with iy = y sh + r - pt, ix = x sw + c - pl of
 *                         dy[b, y, x, o] w[r, c, i, o]
 * l2o_max_pool_grad       dIn[b, iy, ix, ch] = sum of dy over the windows whose first maximum (row-major, padding
 *                         excluded, strictly greater) is (iy, ix), as tfjs's cpu backend computes it
 * Padding outside the input counts as zero (conv) or is skipped (pooling).
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
