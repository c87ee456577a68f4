import { lstmInputSize, type LstmConfig } from '../config.js';
import { OUTPUT_B, OUTPUT_W, lstmParamNames } from '../meta-params.js';

/** φ in float64, keyed like the tensors. */
export type Float64MetaParams = Readonly<Record<string, Float64Array>>;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The network inputs of one coordinate's gradient, in float64 (the paper's formula). */
function preprocess(g: number, config: LstmConfig): number[] {
  if (config.preprocessing === 'none') return [g];
  const a = Math.abs(g);
  return a >= Math.exp(-config.p) ? [Math.log(a) / config.p, Math.sign(g)] : [-1, g * Math.exp(config.p)];
}

/**
 * A plain float64 implementation of one unroll of the coordinatewise LSTM optimizer and of its backward, for
 * testing the fused kernel (row by row, no tricks). `grads[t]` [n] are the gradients fed at step t; `state`
 * h[l], c[l] are [n, H_l]. Returns the updates u_t and, given output adjoints G_t, dφ = Σ_t G_tᵀ ∂u_t/∂φ.
 */
export function referenceUnroll(
  config: LstmConfig,
  phi: Float64MetaParams,
  grads: readonly ArrayLike<number>[],
  state: { h: ArrayLike<number>[]; c: ArrayLike<number>[] } | undefined,
  adjoints?: readonly ArrayLike<number>[],
): { updates: Float64Array[]; dphi?: Record<string, Float64Array> } {
  const L = config.hiddenSizes.length;
  const K = grads.length;
  const n = grads[0]!.length;
  const Hs = config.hiddenSizes;
  const dins = Hs.map((_, l) => (l === 0 ? lstmInputSize(config) : Hs[l - 1]!));
  const P = (key: string): Float64Array => phi[key]!;
  const updates = Array.from({ length: K }, () => new Float64Array(n));
  const dphi: Record<string, Float64Array> = {};
  for (const [key, v] of Object.entries(phi)) dphi[key] = new Float64Array(v.length);

  for (let r = 0; r < n; r++) {
    // Forward for row r, keeping everything per step.
    type Rec = {
      x: number[];
      hPrev: number[];
      cPrev: number[];
      i: number[];
      f: number[];
      g: number[];
      o: number[];
      c: number[];
      h: number[];
    };
    const recs: Rec[][] = [];
    let h = Hs.map((H, l) => Array.from({ length: H }, (_, u) => (state ? state.h[l]![r * H + u]! : 0)));
    let c = Hs.map((H, l) => Array.from({ length: H }, (_, u) => (state ? state.c[l]![r * H + u]! : 0)));
    for (let t = 0; t < K; t++) {
      let x = preprocess(grads[t]![r]!, config);
      const stepRecs: Rec[] = [];
      const hNew: number[][] = [];
      const cNew: number[][] = [];
      for (let l = 0; l < L; l++) {
        const H = Hs[l]!;
        const names = lstmParamNames(l);
        const wx = P(names.wx);
        const wh = P(names.wh);
        const b = P(names.b);
        const z = new Array<number>(4 * H).fill(0);
        for (let j = 0; j < 4 * H; j++) {
          let s = b[j]!;
          for (let q = 0; q < dins[l]!; q++) s += x[q]! * wx[q * 4 * H + j]!;
          for (let q = 0; q < H; q++) s += h[l]![q]! * wh[q * 4 * H + j]!;
          z[j] = s;
        }
        const rec: Rec = { x, hPrev: h[l]!, cPrev: c[l]!, i: [], f: [], g: [], o: [], c: [], h: [] };
        for (let u = 0; u < H; u++) {
          const i = sigmoid(z[u]!);
          const f = sigmoid(z[H + u]!);
          const g = Math.tanh(z[2 * H + u]!);
          const o = sigmoid(z[3 * H + u]!);
          const cn = f * c[l]![u]! + i * g;
          rec.i.push(i);
          rec.f.push(f);
          rec.g.push(g);
          rec.o.push(o);
          rec.c.push(cn);
          rec.h.push(o * Math.tanh(cn));
        }
        stepRecs.push(rec);
        hNew.push(rec.h);
        cNew.push(rec.c);
        x = rec.h;
      }
      const wo = P(OUTPUT_W);
      let y = P(OUTPUT_B)[0]!;
      for (let u = 0; u < Hs[L - 1]!; u++) y += x[u]! * wo[u]!;
      updates[t]![r] = y * config.outputScale;
      h = hNew;
      c = cNew;
      recs.push(stepRecs);
    }
    if (!adjoints) continue;
    // Backward for row r.
    const dh = Hs.map((H) => new Array<number>(H).fill(0));
    const dc = Hs.map((H) => new Array<number>(H).fill(0));
    for (let t = K - 1; t >= 0; t--) {
      const dy = adjoints[t]![r]! * config.outputScale;
      const top = recs[t]![L - 1]!;
      const wo = P(OUTPUT_W);
      dphi[OUTPUT_B]![0]! += dy;
      for (let u = 0; u < Hs[L - 1]!; u++) {
        dphi[OUTPUT_W]![u]! += dy * top.h[u]!;
        dh[L - 1]![u]! += dy * wo[u]!;
      }
      for (let l = L - 1; l >= 0; l--) {
        const H = Hs[l]!;
        const rec = recs[t]![l]!;
        const names = lstmParamNames(l);
        const dz = new Array<number>(4 * H).fill(0);
        for (let u = 0; u < H; u++) {
          const tc = Math.tanh(rec.c[u]!);
          const dhu = dh[l]![u]!;
          const dcu = dc[l]![u]! + dhu * rec.o[u]! * (1 - tc * tc);
          dz[u] = dcu * rec.g[u]! * rec.i[u]! * (1 - rec.i[u]!);
          dz[H + u] = dcu * rec.cPrev[u]! * rec.f[u]! * (1 - rec.f[u]!);
          dz[2 * H + u] = dcu * rec.i[u]! * (1 - rec.g[u]! * rec.g[u]!);
          dz[3 * H + u] = dhu * tc * rec.o[u]! * (1 - rec.o[u]!);
          dc[l]![u] = dcu * rec.f[u]!;
        }
        const wx = P(names.wx);
        const wh = P(names.wh);
        const dwx = dphi[names.wx]!;
        const dwh = dphi[names.wh]!;
        const db = dphi[names.b]!;
        const dhPrev = new Array<number>(H).fill(0);
        for (let j = 0; j < 4 * H; j++) {
          db[j]! += dz[j]!;
          for (let q = 0; q < dins[l]!; q++) dwx[q * 4 * H + j]! += rec.x[q]! * dz[j]!;
          for (let q = 0; q < H; q++) {
            dwh[q * 4 * H + j]! += rec.hPrev[q]! * dz[j]!;
            dhPrev[q]! += dz[j]! * wh[q * 4 * H + j]!;
          }
          if (l > 0) for (let q = 0; q < dins[l]!; q++) dh[l - 1]![q]! += dz[j]! * wx[q * 4 * H + j]!;
        }
        dh[l] = dhPrev;
      }
    }
  }
  return adjoints ? { updates, dphi } : { updates };
}
