import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '@l2o/core';
import type { OptimizerStep } from '@l2o/core/extend';
import type { HyperConfig } from './config.js';
import { stepContext, type HyperState } from './hyper-state.js';
import type { HyperWeights } from './hyper-weights.js';
import { secantJumps } from './secant-start.js';
import { controlTensors, type TensorSums } from './tensor-control.js';

/** The state after a fast step, from per-tensor arrays in sorted-key order. */
export function nextHyperState(
  m: TensorMap,
  v: TensorMap,
  m2: TensorMap,
  control: readonly { delta: number; e1: number; e2: number }[],
  t: number,
  total: number,
): HyperState {
  return {
    m,
    v,
    m2,
    lr: tf.tensor1d(control.map((c) => c.delta)),
    e1: tf.tensor1d(control.map((c) => c.e1)),
    e2: tf.tensor1d(control.map((c) => c.e2)),
    step: tf.scalar(t),
    totalSteps: tf.scalar(total),
  };
}

/**
 * One update of the hyper optimizer in plain JavaScript loops over the parameters: the same numbers as
 * `hyperStep` within float32 rounding, two passes over each tensor and no intermediate tensors. Not
 * differentiable in φ. For backends without l2o's WebAssembly kernels (hyper-step-native.ts).
 */
export function hyperStepFast(
  config: HyperConfig,
  w: HyperWeights,
  grads: TensorMap,
  state: HyperState,
  params: TensorMap,
): OptimizerStep<HyperState> {
  const { keys, t, total, c1, c2, c3 } = stepContext(config, state, grads);
  const { beta1, beta2, beta3, epsilon } = config;
  const ms: Float32Array[] = [];
  const vs: Float32Array[] = [];
  const m2s: Float32Array[] = [];
  const gs: Float32Array[] = [];
  const us: Float32Array[] = [];
  const jumps = secantJumps(config, t, keys, grads, state.m, state.v);
  const sums = keys.map((k): TensorSums => {
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
    let vHatSum = 0;
    let thetaSq = 0;
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
      vHatSum += vHat;
      const x = th[j]!;
      thetaSq += x * x;
    }
    ms.push(m);
    us.push(u);
    vs.push(v);
    m2s.push(m2);
    gs.push(g);
    return { dot, gg, mm, d1sq, vHatSum, thetaSq, size, rank: params[k]!.rank };
  });
  const delta = state.lr.dataSync();
  const control = controlTensors(
    config,
    w,
    sums,
    { delta, e1: state.e1.dataSync(), e2: state.e2.dataSync() },
    t,
    total,
    c1,
    c3,
    jumps,
  );
  const updates: Record<string, tf.Tensor> = {};
  control.forEach(({ a, b, c }, i) => {
    const g = gs[i]!;
    const m = ms[i]!;
    const m2 = m2s[i]!;
    const u = us[i]!;
    for (let j = 0; j < u.length; j++) u[j] = (a * g[j]! + b * m[j]! + c * m2[j]!) * u[j]!;
    updates[keys[i]!] = tf.tensor(u, params[keys[i]!]!.shape, 'float32');
  });
  const asMap = (arrays: Float32Array[]): TensorMap =>
    Object.fromEntries(keys.map((k, i) => [k, tf.tensor(arrays[i]!, params[k]!.shape, 'float32')]));
  return { updates, state: nextHyperState(asMap(ms), asMap(vs), asMap(m2s), control, t, total) };
}
