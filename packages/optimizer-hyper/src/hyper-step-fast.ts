import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '@l2o/core';
import type { OptimizerStep } from '@l2o/core/extend';
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
  biasCorrections,
  timeFeatures,
} from './features.js';
import { checkGradientNames, type HyperState } from './hyper-state.js';

/** φ read out of its tensors once, for the fast path. */
export type HyperWeights = {
  readonly hidden: number;
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  readonly wl: Float32Array;
  readonly logLr0: number;
};

export function readHyperWeights(phi: TensorMap, hidden: number): HyperWeights {
  return {
    hidden,
    w1: phi['w1']!.dataSync() as Float32Array,
    b1: phi['b1']!.dataSync() as Float32Array,
    w2: phi['w2']!.dataSync() as Float32Array,
    b2: phi['b2']!.dataSync() as Float32Array,
    wl: phi['wl']!.dataSync() as Float32Array,
    logLr0: phi['logLr0']!.dataSync()[0]!,
  };
}

const clip = (x: number): number => (x > FEATURE_CLIP ? FEATURE_CLIP : x < -FEATURE_CLIP ? -FEATURE_CLIP : x);

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
 * One update of the hyper optimizer in plain JavaScript loops over the parameters: the same numbers as
 * `hyperStep` within float32 rounding, two passes over each tensor and no intermediate tensors, so that the
 * per-step cost stays a small multiple of Adam's at any model size. Not differentiable in φ.
 */
export function hyperStepFast(
  config: HyperConfig,
  w: HyperWeights,
  grads: TensorMap,
  state: HyperState,
  params: TensorMap,
): OptimizerStep<HyperState> {
  const keys = checkGradientNames(state, grads);
  const t = state.step.dataSync()[0]! + 1;
  const total = state.totalSteps.dataSync()[0]!;
  const { beta1, beta2, beta3, epsilon } = config;
  const { c1, c2, c3 } = biasCorrections(t, beta1, beta2, beta3);
  const n = keys.length;
  const deltaIn = state.lr.dataSync();
  const e1In = state.e1.dataSync();
  const e2In = state.e2.dataSync();
  const ms: Float32Array[] = [];
  const vs: Float32Array[] = [];
  const m2s: Float32Array[] = [];
  const gs: Float32Array[] = [];
  const us: Float32Array[] = [];
  const stats = keys.map((k, i) => {
    const g = grads[k]!.dataSync() as Float32Array;
    const th = params[k]!.dataSync() as Float32Array;
    const mIn = state.m[k]!.dataSync() as Float32Array;
    const vIn = state.v[k]!.dataSync() as Float32Array;
    const m2In = state.m2[k]!.dataSync() as Float32Array;
    const size = g.length;
    const m = new Float32Array(size);
    const v = new Float32Array(size);
    const m2 = new Float32Array(size);
    // 1/(√v̂ + ε) per parameter, kept for the second pass, which overwrites it with the update.
    const u = new Float32Array(size);
    let dot = 0;
    let gg = 0;
    let mm = 0;
    let d1sq = 0;
    let vSum = 0;
    let thSq = 0;
    for (let j = 0; j < size; j++) {
      const gj = g[j]!;
      const mp = mIn[j]!;
      dot += gj * mp;
      gg += gj * gj;
      mm += mp * mp;
      const mj = Math.fround(beta1 * mp + (1 - beta1) * gj);
      const vj = Math.fround(beta2 * vIn[j]! + (1 - beta2) * gj * gj);
      m[j] = mj;
      v[j] = vj;
      m2[j] = beta3 * m2In[j]! + (1 - beta3) * gj;
      const vHat = vj / c2;
      const inv = 1 / (Math.sqrt(vHat) + epsilon);
      u[j] = inv;
      const d1 = (mj / c1) * inv;
      d1sq += d1 * d1;
      vSum += vHat;
      const x = th[j]!;
      thSq += x * x;
    }
    ms.push(m);
    us.push(u);
    vs.push(v);
    m2s.push(m2);
    gs.push(g);
    const cos = dot / (Math.sqrt(gg * mm) + 1e-30);
    const rmsD1 = Math.sqrt(d1sq / size);
    const rmsTh = Math.sqrt(thSq / size);
    return {
      cos,
      e1: COS_DECAY_FAST * e1In[i]! + (1 - COS_DECAY_FAST) * cos,
      e2: COS_DECAY_SLOW * e2In[i]! + (1 - COS_DECAY_SLOW) * cos,
      snr: Math.log(rmsD1 + 1e-8),
      spike: 0.5 * Math.log(gg / size / (vSum / size + 1e-30) + 1e-8),
      rmsD1,
      rmsTh,
      size,
      rank: params[k]!.rank,
    };
  });
  const meanOf = (f: (s: (typeof stats)[number]) => number): number => stats.reduce((a, s) => a + f(s), 0) / n;
  const meanCos = meanOf((s) => s.cos);
  const meanSnr = meanOf((s) => s.snr);
  const meanSpike = meanOf((s) => s.spike);
  const time = timeFeatures(t, total);
  const deltaOut = new Float32Array(n);
  const e1Out = new Float32Array(n);
  const e2Out = new Float32Array(n);
  const updates: Record<string, tf.Tensor> = {};
  const f = new Float64Array(FEATURE_COUNT);
  stats.forEach((s, i) => {
    const delta = deltaIn[i]!;
    const row = [
      s.cos,
      s.e1,
      s.e2,
      s.snr,
      s.spike,
      Math.log(Math.exp(w.logLr0 + delta) * s.rmsD1 + 1e-12) - Math.log(s.rmsTh + 1e-3),
      delta,
      Math.log(s.rmsTh + 1e-8),
      Math.log(s.size) / 10,
      s.rank <= 1 ? 1 : 0,
      ...time,
      meanCos,
      meanSnr,
      meanSpike,
    ];
    for (let j = 0; j < FEATURE_COUNT; j++) f[j] = clip(row[j]!);
    const o = controller(w, f);
    const newDelta = Math.min(DELTA_LIMIT, Math.max(-DELTA_LIMIT, delta + config.maxLrChange * Math.tanh(o[0]!)));
    const sched = SCHEDULE_MIN + SCHEDULE_SPAN / (1 + Math.exp(-o[1]!));
    const top = Math.max(o[2]!, o[3]!, o[4]!);
    const x0 = Math.exp(o[2]! - top);
    const x1 = Math.exp(o[3]! - top);
    const x2 = Math.exp(o[4]! - top);
    const lr = Math.exp(w.logLr0 + newDelta + sched);
    const scale = -lr / (x0 + x1 + x2);
    const a = scale * x0;
    const b = (scale * x1) / c1;
    const c = (scale * x2) / c3;
    deltaOut[i] = newDelta;
    e1Out[i] = s.e1;
    e2Out[i] = s.e2;
    const g = gs[i]!;
    const m = ms[i]!;
    const m2 = m2s[i]!;
    const u = us[i]!;
    for (let j = 0; j < s.size; j++) u[j] = (a * g[j]! + b * m[j]! + c * m2[j]!) * u[j]!;
    const k = keys[i]!;
    const shape = params[k]!.shape;
    updates[k] = tf.tensor(u, shape, 'float32');
  });
  const asMap = (arrays: Float32Array[]): TensorMap =>
    Object.fromEntries(keys.map((k, i) => [k, tf.tensor(arrays[i]!, params[k]!.shape, 'float32')]));
  return {
    updates,
    state: {
      m: asMap(ms),
      v: asMap(vs),
      m2: asMap(m2s),
      lr: tf.tensor1d(deltaOut),
      e1: tf.tensor1d(e1Out),
      e2: tf.tensor1d(e2Out),
      step: tf.scalar(t),
      totalSteps: tf.scalar(total),
    },
  };
}
