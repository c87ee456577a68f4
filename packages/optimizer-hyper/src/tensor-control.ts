import type { HyperConfig } from './config.js';
import {
  COS_DECAY_FAST,
  COS_DECAY_SLOW,
  DELTA_LIMIT,
  FEATURE_CLIP,
  FEATURE_COUNT,
  OUTPUT_COUNT,
  SCHEDULE_MIN,
  SCHEDULE_SPAN,
  timeFeatures,
} from './features.js';
import type { HyperWeights } from './hyper-weights.js';

/** Sums over one parameter tensor that the controller's features are made of (from the fast paths' first pass). */
export type TensorSums = {
  /** Σ g·m₋ (m₋: the fast momentum before the step). */
  readonly dot: number;
  /** Σ g². */
  readonly gg: number;
  /** Σ m₋². */
  readonly mm: number;
  /** Σ (m̂/(√v̂ + ε))². */
  readonly d1sq: number;
  /** Σ v̂. */
  readonly vHatSum: number;
  /** Σ θ². */
  readonly thetaSq: number;
  readonly size: number;
  readonly rank: number;
};

/** The controller's decision for one tensor: update = (a·g + b·m + c·m₂)/(√v̂ + ε), and the tensor's new state. */
export type TensorControl = {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly delta: number;
  readonly e1: number;
  readonly e2: number;
};

const clip = (x: number): number => Math.min(FEATURE_CLIP, Math.max(-FEATURE_CLIP, x));

/** The controller on one feature row (ReLU MLP plus a linear skip): its five outputs. */
function controller(w: HyperWeights, f: Float64Array): Float64Array {
  const { hidden, w1, b1, w2, b2, wl } = w;
  const out = Float64Array.from(b2);
  for (let i = 0; i < FEATURE_COUNT; i++) {
    for (let o = 0; o < OUTPUT_COUNT; o++) out[o]! += f[i]! * wl[i * OUTPUT_COUNT + o]!;
  }
  for (let j = 0; j < hidden; j++) {
    let a = b1[j]!;
    for (let i = 0; i < FEATURE_COUNT; i++) a += f[i]! * w1[i * hidden + j]!;
    if (a <= 0) continue;
    for (let o = 0; o < OUTPUT_COUNT; o++) out[o]! += a * w2[j * OUTPUT_COUNT + o]!;
  }
  return out;
}

/**
 * Per tensor, from its sums: the features (features.ts), the controller's outputs, and from them the tensor's new
 * log learning-rate offset and the coefficients of its update — the scalar part of a step, shared by the fast
 * paths (plain JS loops, WebAssembly kernels). `t` is the 1-based step, `total` the run length (0: unknown).
 * `jumps` (the secant start's ln factors at step 2, secant-start.ts) are added to the offsets before the features.
 */
export function controlTensors(
  config: HyperConfig,
  w: HyperWeights,
  sums: readonly TensorSums[],
  state: { readonly delta: ArrayLike<number>; readonly e1: ArrayLike<number>; readonly e2: ArrayLike<number> },
  t: number,
  total: number,
  c1: number,
  c3: number,
  jumps?: ArrayLike<number>,
): TensorControl[] {
  const n = sums.length;
  const stats = sums.map((s, i) => {
    const cos = s.dot / (Math.sqrt(s.gg * s.mm) + 1e-30);
    const rmsD1 = Math.sqrt(s.d1sq / s.size);
    return {
      cos,
      e1: COS_DECAY_FAST * state.e1[i]! + (1 - COS_DECAY_FAST) * cos,
      e2: COS_DECAY_SLOW * state.e2[i]! + (1 - COS_DECAY_SLOW) * cos,
      snr: Math.log(rmsD1 + 1e-8),
      spike: 0.5 * Math.log(s.gg / s.size / (s.vHatSum / s.size + 1e-30) + 1e-8),
      rmsD1,
      rmsTh: Math.sqrt(s.thetaSq / s.size),
    };
  });
  const meanOf = (f: (s: (typeof stats)[number]) => number): number => stats.reduce((a, s) => a + f(s), 0) / n;
  const meanCos = meanOf((s) => s.cos);
  const meanSnr = meanOf((s) => s.snr);
  const meanSpike = meanOf((s) => s.spike);
  const time = timeFeatures(t, total);
  const f = new Float64Array(FEATURE_COUNT);
  return stats.map((s, i) => {
    const delta = Math.min(DELTA_LIMIT, Math.max(-DELTA_LIMIT, state.delta[i]! + (jumps?.[i] ?? 0)));
    const row = [
      s.cos,
      s.e1,
      s.e2,
      s.snr,
      s.spike,
      Math.log(Math.exp(w.logLr0 + delta) * s.rmsD1 + 1e-12) - Math.log(s.rmsTh + 1e-3),
      delta,
      Math.log(s.rmsTh + 1e-8),
      Math.log(sums[i]!.size) / 10,
      sums[i]!.rank <= 1 ? 1 : 0,
      ...time,
      meanCos,
      meanSnr,
      meanSpike,
    ];
    for (let j = 0; j < FEATURE_COUNT; j++) f[j] = clip(row[j]!);
    const o = controller(w, f);
    const sched = SCHEDULE_MIN + SCHEDULE_SPAN / (1 + Math.exp(-o[1]!));
    let newDelta = Math.min(DELTA_LIMIT, Math.max(-DELTA_LIMIT, delta + config.maxLrChange * Math.tanh(o[0]!)));
    if (config.maxRelativeStep > 0) {
      // The relative-step cap: lr·rms(d₁) ≤ κ·(rms(θ) + 1e-3), with lr = exp(logLr0 + δ + s).
      const cap = Math.log((config.maxRelativeStep * (s.rmsTh + 1e-3)) / (s.rmsD1 + 1e-12)) - w.logLr0 - sched;
      newDelta = Math.max(-DELTA_LIMIT, Math.min(newDelta, cap));
    }
    const top = Math.max(o[2]!, o[3]!, o[4]!);
    const x0 = Math.exp(o[2]! - top);
    const x1 = Math.exp(o[3]! - top);
    const x2 = Math.exp(o[4]! - top);
    const scale = -Math.exp(w.logLr0 + newDelta + sched) / (x0 + x1 + x2);
    return { a: scale * x0, b: (scale * x1) / c1, c: (scale * x2) / c3, delta: newDelta, e1: s.e1, e2: s.e2 };
  });
}
