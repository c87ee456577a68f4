// Floating-point operations of the fused LSTM kernels (packages/optimizer-lstm/native/lstm-kernel.c, driven by
// src/fused/fused-lstm.ts and src/fused/fused-inference.ts), counted from what the code executes: the padded
// widths it loops over, every f32 mul, add, sub and div (a div counts 1, though it issues at a fraction of the
// mul/add rate); the clamps (pmin/pmax) and loads/stores are not counted. The bench divides these counts by
// the measured time and by the SIMD peak of tools/bench/simd-peak.mjs.
//
// Widths, per layer l (as fused-lstm.ts lays them out): hp = H rounded up to 4, G = 4 hp gate columns,
// din = d0 (network inputs: 2 for log/sign) for layer 0 and hp of the layer below otherwise, kin = din + hp,
// kp = kin rounded up to 8. Rows (coordinates) are padded to a multiple of 4; padded rows are computed too.
//
// Forward of one row through one layer (fwd_layer; the same in the unroll and in inference):
//   gates z = [x, h_prev] W + b      2 kin G       (register tile of 4 rows × 8 columns; b is the start value)
//   i, f, o = σ(z), g = tanh(z)      3·20 + 19     per hidden unit: σ = 20 flops (x², a degree-5 and a degree-3
//                                                  polynomial in x² by Horner = 10 + 6, x·P, ÷Q, + ½), tanh = 19
//   c = f c_prev + i g; h = o tanh c  3 + 19 + 1
//                                     = 102 hp
// Output layer (l2o_fwd_output): y = scale (h · wo + bo)   2 hp_L + 2.
// Paper config (d0 = 2, H = 20, 20): layer 0 2·22·80 + 2,040 = 5,560; layer 1 2·40·80 + 2,040 = 8,440; output 42:
// 14,042 flops per row and step, of which 9,960 (71 %) in the matrix products. (The "≈ 10 kFLOP per coordinate
// per step" of issue 14 counted the products only.)
//
// Backward of one row through one layer and step (l2o_bwd_layer, chunks of BWD_RC = 32 rows):
//   dz from dh, dc, the saved gates  hp (19 + 22)  tanh c recomputed (19); dc, dz_i, dz_f, dz_g, dz_o, dc_prev: 22
//   [dx, dh_prev] = dz Wᵀ            2 kp G        all kp columns, also layer 0's (unused) dx
//   dx += (layers above 0)           din
//   dW += [x, h_prev]ᵀ dz            2 up(kin, 4) G   (float32 within the chunk)
//   db += Σ dz                       G
//   per chunk: dW, db into float64   kin G + G     (scalar double adds, ÷ 32 per row)
// Output layer (l2o_bwd_output, chunks of 64 rows): dy = scale·adj, dh += dy wo, dwo += dy h, dbo += dy: 4 hp_L + 2
// per row, hp_L + 1 per chunk.
// Paper config: layer 1 820 + 6,400 + 20 + 6,400 + 80 + 3,280/32; layer 0 820 + 3,840 + 3,840 + 80 + 1,840/32;
// output 82 + 21/64: ≈ 22,542 flops per row and step.
//
// One meta-iteration of the reference workload (N = 15,910 → 15,912 rows, unroll K = 20): K forward steps and
// the backward over the K steps: 15,912 · 20 · (14,042 + 22,542) ≈ 11.64 GFLOP in the kernel. Outside it, per
// meta-iteration: the optimizee's 21 loss-and-gradients on the 784-20-10 MLP with batch 128 (≈ 2·128·15,880
// forward + ≈ 2× that backward ≈ 12 MFLOP each, ≈ 0.26 GFLOP: 2 %, done by tfjs), the log/sign preprocessing
// and the suffix sums of the adjoints (a few flops per coordinate and step, in JS); not counted.
// One inference update (l2o_infer_rows, N = 15,910): 15,912 · 14,042 ≈ 223 MFLOP (158 MFLOP in the products).

const up = (x, m) => Math.ceil(x / m) * m;
const SIGMOID = 20;
const TANH = 19;
const BWD_RC = 32; // rows per chunk of l2o_bwd_layer
const OUT_RC = 64; // rows per chunk of l2o_bwd_output

function check(rows, d0, hiddenSizes) {
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`lstm-flops: rows must be a positive integer, got ${rows}`);
  if (!Number.isInteger(d0) || d0 < 1) throw new Error(`lstm-flops: d0 must be a positive integer, got ${d0}`);
  if (!Array.isArray(hiddenSizes) || !hiddenSizes.length || !hiddenSizes.every((h) => Number.isInteger(h) && h > 0))
    throw new Error(`lstm-flops: hiddenSizes must be a non-empty list of positive integers, got ${hiddenSizes}`);
}

function layers(d0, hiddenSizes) {
  let din = d0;
  return hiddenSizes.map((H, l) => {
    const hp = up(H, 4);
    const layer = { l, din, hp, G: 4 * hp, kin: din + hp, kp: up(din + hp, 8) };
    din = hp;
    return layer;
  });
}

/** Flops of one forward step over `rows` coordinates: { total, matmul } (fwd_layer per layer + output). */
export function lstmForwardFlops({ rows, d0, hiddenSizes }) {
  check(rows, d0, hiddenSizes);
  const np = up(rows, 4);
  let matmul = 0;
  let elementwise = 0;
  for (const { hp, G, kin } of layers(d0, hiddenSizes)) {
    matmul += 2 * kin * G;
    elementwise += hp * (3 * SIGMOID + TANH + 3 + TANH + 1);
  }
  const hpL = up(hiddenSizes[hiddenSizes.length - 1], 4);
  matmul += 2 * hpL;
  elementwise += 2;
  return { total: np * (matmul + elementwise), matmul: np * matmul };
}

/** Flops of the backward of one step over `rows` coordinates (l2o_bwd_output + l2o_bwd_layer per layer). */
export function lstmBackwardStepFlops({ rows, d0, hiddenSizes }) {
  check(rows, d0, hiddenSizes);
  const np = up(rows, 4);
  let perRow = 0;
  let matmul = 0;
  let perChunk = 0;
  for (const { l, din, hp, G, kin, kp } of layers(d0, hiddenSizes)) {
    perRow += hp * (TANH + 22) + (l > 0 ? din : 0) + G;
    matmul += 2 * kp * G + 2 * up(kin, 4) * G;
    perChunk += kin * G + G;
  }
  const hpL = up(hiddenSizes[hiddenSizes.length - 1], 4);
  const out = np * (4 * hpL + 2) + Math.ceil(np / OUT_RC) * (hpL + 1);
  return {
    total: np * (perRow + matmul) + Math.ceil(np / BWD_RC) * perChunk + out,
    matmul: np * (matmul + 4 * hpL),
  };
}

/** Kernel flops of one fused meta-iteration: `unroll` forward steps and the backward over them. */
export function lstmMetaIterationFlops({ rows, d0, hiddenSizes, unroll }) {
  if (!Number.isInteger(unroll) || unroll < 1)
    throw new Error(`lstm-flops: unroll must be a positive integer, got ${unroll}`);
  const f = lstmForwardFlops({ rows, d0, hiddenSizes });
  const b = lstmBackwardStepFlops({ rows, d0, hiddenSizes });
  return { total: unroll * (f.total + b.total), matmul: unroll * (f.matmul + b.matmul) };
}

/** Kernel flops of one inference update (l2o_infer_rows over all rows): the forward step. */
export const lstmInferenceUpdateFlops = (shape) => lstmForwardFlops(shape);
