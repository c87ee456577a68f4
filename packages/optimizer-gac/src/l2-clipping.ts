import * as tf from '@tensorflow/tfjs';
import { L2oError, type TensorMap } from '@l2o/core';
import { lstmParamNames, OUTPUT_B, OUTPUT_W } from '@l2o/optimizer-lstm/extend';
import { resolveGacConfig, type GacConfig } from './config.js';

/** Options of {@link gacL2ClippingMetaParams}. */
export type L2ClippingOptions = {
  /** N, the number of coordinates of the optimizee (the GAC averages, so ‖g‖² = N · mean(g²) needs N). */
  coordinates: number;
  /** The clipping threshold c on ‖g‖₂ (> 0). */
  threshold: number;
  /** The step size: the update is −learningRate · g · min(1, c / ‖g‖₂). */
  learningRate: number;
  /** Largest ‖g‖ / c the construction is accurate for (> 1; default 10). Smaller norms are always fine. */
  maxNormRatio?: number;
};

/** Number of basis cells that approximate the clipping factor (see the construction below). */
const FEATURES = 10;
/** Gate "infinity": σ(±30) is 1 / 0 to float32 precision (1 − 9e−14 rounds to 1). */
const BIG = 30;
/** Steepness of the below/above-threshold switch, per unit of (‖g‖/c)². */
const SWITCH = 5000;

const psi = (u: number): number => Math.tanh(Math.tanh(u));
const dpsi = (u: number): number => {
  const t = Math.tanh(u);
  return (1 - Math.tanh(t) ** 2) * (1 - t * t);
};

/** Least squares min ‖F w − t‖ by the normal equations in float64 with partial pivoting (small, well-scaled problems). */
function leastSquares(rows: readonly number[][], t: readonly number[]): number[] {
  const m = rows[0]!.length;
  const a = Array.from({ length: m }, () => new Float64Array(m + 1));
  rows.forEach((r, k) => {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) a[i]![j]! += r[i]! * r[j]!;
      a[i]![m]! += r[i]! * t[k]!;
    }
  });
  for (let col = 0; col < m; col++) {
    let piv = col;
    for (let i = col + 1; i < m; i++) if (Math.abs(a[i]![col]!) > Math.abs(a[piv]![col]!)) piv = i;
    [a[col], a[piv]] = [a[piv]!, a[col]!];
    for (let i = col + 1; i < m; i++) {
      const f = a[i]![col]! / a[col]![col]!;
      for (let j = col; j <= m; j++) a[i]![j]! -= f * a[col]![j]!;
    }
  }
  const w = new Array<number>(m).fill(0);
  for (let i = m - 1; i >= 0; i--) {
    let s = a[i]![m]!;
    for (let j = i + 1; j < m; j++) s -= a[i]![j]! * w[j]!;
    w[i] = s / a[i]![i]!;
  }
  return w;
}

/**
 * Hand-set meta-parameters with which LSTM+GAC performs L2 gradient clipping: for a gradient g of N
 * coordinates (all parameter tensors together), update ≈ −lr · g · min(1, c / ‖g‖₂). This backs the paper's
 * claim that global averaging cells are "enough to implement L2 gradient clipping", with the accuracy stated
 * honestly: LSTM cells are saturating, so the construction is approximate; `fitError` reports the largest
 * error of the fitted log-odds (the relative error of the clipping factor is at most about that), and the
 * package tests measure the end-to-end error on random gradients (≈ 5e−5 relative on the update vector, see README).
 *
 * Architecture: preprocessing 'none' (the raw gradient is the input), hiddenSizes [3, 12, 2], globalCells
 * [2, 0, 0], averaging 'all', output scale 1; recurrent weights are 0 and every forget gate is shut (σ(−30)),
 * so the update depends on the current gradient only. Every "≈ identity" below is tanh∘tanh (or σ·tanh) on
 * arguments ≤ 0.02, accurate to ≈ 1e−4 relative.
 *
 * - Layer 1: cells A, B (global) have i = σ(±a g) and candidate tanh(±a g), so h_A + h_B =
 *   f(ag) + f(−ag) = (ag)²/2 · (1 − 7(ag)²/12 + …) with f(x) = tanh(σ(x) tanh x): an even function, a squared
 *   gradient. Averaged over coordinates: S = h̄_A + h̄_B ≈ a² · mean(g²) / 2 = a² ‖g‖² / (2N). Cell L (local)
 *   carries ≈ a_L g.
 * - Layer 2: ten feature cells ψ(x / x_j) with x = S / S* = (‖g‖/c)² and ψ = tanh∘tanh, scales x_j
 *   geometric; one cell carries ≈ 0.01 x (for the switch); one carries g.
 * - Layer 3: cell U passes g through an output gate 1 − G, cell C passes g through an input gate σ(ẑ) and an
 *   output gate G, where G = σ(5000 (x − 1)) switches at ‖g‖ = c and ẑ = Σ_j v_j ψ(x/x_j) + v_0 is fitted
 *   (least squares, float64) to logit(1/(2r)) = −log(2r − 1), r = ‖g‖/c ∈ [0.9, 1.05 · maxNormRatio]. So
 *   h_U + 2 h_C ∝ g · ((1 − G) + G / r) = g · min(1, 1/r) away from a ±0.1 % band around r = 1, where both
 *   branches equal 1 anyway.
 * - Output: −lr / gain, −2 lr / gain, with gain the product of the carries' slopes (a_L).
 *
 * Exactness is impossible with these nonlinearities (an LSTM computes an analytic function; min(1, 1/r) has a
 * kink), so "can express" means "to ≈ 1e−4 relative for ‖g‖ up to maxNormRatio · c".
 */
export function gacL2ClippingMetaParams(options: L2ClippingOptions): {
  config: GacConfig;
  metaParams: TensorMap;
  fitError: number;
} {
  const { coordinates: n, threshold: c, learningRate: lr } = options;
  const ratio = options.maxNormRatio ?? 10;
  if (!Number.isInteger(n) || n < 1)
    throw new L2oError('INVALID_OPTION', `gacL2ClippingMetaParams: coordinates must be a positive integer; got ${n}`);
  for (const [k, v] of [
    ['threshold', c],
    ['learningRate', lr],
  ] as const) {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0))
      throw new L2oError('INVALID_OPTION', `gacL2ClippingMetaParams: ${k} must be a finite number > 0; got ${v}`);
  }
  if (!(typeof ratio === 'number' && Number.isFinite(ratio) && ratio > 1)) {
    throw new L2oError(
      'INVALID_OPTION',
      `gacL2ClippingMetaParams: maxNormRatio must be a finite number > 1; got ${ratio}`,
    );
  }
  const J = FEATURES;
  const config = resolveGacConfig({
    hiddenSizes: [3, J + 2, 2],
    globalCells: [2, 0, 0],
    averaging: 'all',
    preprocessing: 'none',
    outputScale: 1,
  });

  const maxNorm = ratio * c;
  const a = 0.02 / maxNorm; // |a g_i| ≤ 0.02 even if one coordinate holds the whole norm
  const aL = 0.01 / maxNorm;
  const sStar = (a * a * ((c * c) / n)) / 2; // S at ‖g‖ = c
  const gammaSwitch = 0.01; // carry of 0.01 x
  const xMax = (1.05 * ratio) ** 2;
  const scales = Array.from({ length: J }, (_, j) => 0.3 * Math.exp((j / (J - 1)) * Math.log((3 * xMax) / 0.3)));

  // Fit ẑ(x) ≈ −log(2√x − 1) on x = r², r ∈ [0.9, 1.05 ratio], on a grid uniform in log x.
  const rows: number[][] = [];
  const target: number[] = [];
  const xLo = 0.81;
  const grid = 4000;
  for (let k = 0; k < grid; k++) {
    const x = xLo * Math.exp((k / (grid - 1)) * Math.log(xMax / xLo));
    rows.push([...scales.map((s) => psi(x / s)), 1]);
    target.push(-Math.log(2 * Math.sqrt(x) - 1));
  }
  const v = leastSquares(rows, target);
  let fitError = 0;
  rows.forEach((r, k) => {
    const z = r.reduce((s, f, i) => s + f * v[i]!, 0);
    fitError = Math.max(fitError, Math.abs(z - target[k]!));
  });

  // Gate blocks of a layer with H cells: [i | f | g | o], H columns each.
  const block = (H: number, gate: 'i' | 'f' | 'g' | 'o', cell: number): number =>
    ({ i: 0, f: 1, g: 2, o: 3 })[gate] * H + cell;
  const layer = (D: number, H: number) => ({
    wx: new Float32Array(D * 4 * H),
    wh: new Float32Array(H * 4 * H),
    b: new Float32Array(4 * H),
    D,
    H,
  });
  const setW = (
    L: ReturnType<typeof layer>,
    input: number,
    gate: 'i' | 'f' | 'g' | 'o',
    cell: number,
    value: number,
  ): void => {
    L.wx[input * 4 * L.H + block(L.H, gate, cell)] = value;
  };
  const setB = (L: ReturnType<typeof layer>, gate: 'i' | 'f' | 'g' | 'o', cell: number, value: number): void => {
    L.b[block(L.H, gate, cell)] = value;
  };
  const plainCell = (L: ReturnType<typeof layer>, cell: number, inputGateOpen = true, outputGateOpen = true): void => {
    if (inputGateOpen) setB(L, 'i', cell, BIG);
    setB(L, 'f', cell, -BIG);
    if (outputGateOpen) setB(L, 'o', cell, BIG);
  };

  // Layer 1: input g (D = 1); cells A = 0, B = 1 (global), L = 2.
  const l1 = layer(1, 3);
  plainCell(l1, 0, false);
  setW(l1, 0, 'i', 0, a);
  setW(l1, 0, 'g', 0, a);
  plainCell(l1, 1, false);
  setW(l1, 0, 'i', 1, -a);
  setW(l1, 0, 'g', 1, -a);
  plainCell(l1, 2);
  setW(l1, 0, 'g', 2, aL);

  // Layer 2: inputs h̄_A, h̄_B, h_L; cells 0…J−1 features, J the switch carry, J+1 the g carry.
  const l2 = layer(3, J + 2);
  scales.forEach((s, j) => {
    plainCell(l2, j);
    setW(l2, 0, 'g', j, 1 / (sStar * s));
    setW(l2, 1, 'g', j, 1 / (sStar * s));
  });
  plainCell(l2, J);
  setW(l2, 0, 'g', J, gammaSwitch / sStar);
  setW(l2, 1, 'g', J, gammaSwitch / sStar);
  plainCell(l2, J + 1);
  setW(l2, 2, 'g', J + 1, 1);

  // Layer 3: cells U = 0, C = 1.
  const l3 = layer(J + 2, 2);
  const slope = gammaSwitch * dpsi(gammaSwitch); // d(switch carry)/dx at x = 1
  const at1 = psi(gammaSwitch); // switch carry at x = 1
  // G = σ(SWITCH (carry − at1) / slope) ≈ σ(SWITCH (x − 1)); U gets 1 − G = σ(−…).
  setB(l3, 'i', 0, BIG);
  setB(l3, 'f', 0, -BIG);
  setW(l3, J + 1, 'g', 0, 1);
  setW(l3, J, 'o', 0, -SWITCH / slope);
  setB(l3, 'o', 0, (SWITCH * at1) / slope);
  setB(l3, 'f', 1, -BIG);
  setW(l3, J + 1, 'g', 1, 1);
  setW(l3, J, 'o', 1, SWITCH / slope);
  setB(l3, 'o', 1, (-SWITCH * at1) / slope);
  scales.forEach((_, j) => setW(l3, j, 'i', 1, v[j]!));
  setB(l3, 'i', 1, v[J]!);

  const metaParams: Record<string, tf.Tensor> = {};
  [l1, l2, l3].forEach((L, l) => {
    const names = lstmParamNames(l);
    metaParams[names.wx] = tf.tensor2d(L.wx, [L.D, 4 * L.H]);
    metaParams[names.wh] = tf.tensor2d(L.wh, [L.H, 4 * L.H]);
    metaParams[names.b] = tf.tensor1d(L.b);
  });
  metaParams[OUTPUT_W] = tf.tensor2d([-lr / aL, (-2 * lr) / aL], [2, 1]);
  metaParams[OUTPUT_B] = tf.zeros([1]);
  return { config, metaParams, fitError };
}
