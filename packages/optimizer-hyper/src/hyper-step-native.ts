import * as tf from '@tensorflow/tfjs';
import type { OptimizerStep } from '@l2o/core/extend';
import type { TensorMap } from '@l2o/core';
import type { HyperConfig } from './config.js';
import { nextHyperState } from './hyper-step-fast.js';
import { stepContext, type HyperState } from './hyper-state.js';
import type { HyperWeights } from './hyper-weights.js';
import { HYPER_MOMENTS, HYPER_UPDATE } from './native/hyper-kernels.js';
import { secantJumps } from './secant-start.js';
import { controlTensors, type TensorSums } from './tensor-control.js';

/**
 * One update of the hyper optimizer on tfjs-backend-wasm with l2o's WebAssembly SIMD kernels
 * (native/hyper-kernels.c), which read and write the tensors in the backend's memory: per tensor one pass for the
 * accumulators and the controller's sums, the controller in JS, and one pass for the update. The same numbers as
 * `hyperStep` within float32 rounding; not differentiable in φ. Call only when `hyperKernelsAvailable()`.
 */
export function hyperStepNative(
  config: HyperConfig,
  w: HyperWeights,
  grads: TensorMap,
  state: HyperState,
  params: TensorMap,
): OptimizerStep<HyperState> {
  const { keys, t, total, c1, c2, c3 } = stepContext(config, state, grads);
  const { beta1, beta2, beta3, epsilon } = config;
  const ic2 = 1 / c2;
  const m: Record<string, tf.Tensor> = {};
  const v: Record<string, tf.Tensor> = {};
  const m2: Record<string, tf.Tensor> = {};
  const jumps = secantJumps(config, t, keys, grads, state.m, state.v);
  const sums = keys.map((k): TensorSums => {
    const theta = params[k]!;
    const [mk, vk, m2k, stats] = tf
      .engine()
      .runKernel(
        HYPER_MOMENTS,
        { g: grads[k]!, theta, m: state.m[k]!, v: state.v[k]!, m2: state.m2[k]! },
        { beta1, beta2, beta3, ic1: 1 / c1, ic2, epsilon },
      ) as tf.Tensor[];
    m[k] = mk!;
    v[k] = vk!;
    m2[k] = m2k!;
    const f32 = stats!.dataSync() as Float32Array;
    const s = new Float64Array(f32.buffer.slice(f32.byteOffset, f32.byteOffset + 48));
    stats!.dispose();
    return {
      dot: s[0]!,
      gg: s[1]!,
      mm: s[2]!,
      d1sq: s[3]!,
      vHatSum: s[4]!,
      thetaSq: s[5]!,
      size: theta.size,
      rank: theta.rank,
    };
  });
  const control = controlTensors(
    config,
    w,
    sums,
    { delta: state.lr.dataSync(), e1: state.e1.dataSync(), e2: state.e2.dataSync() },
    t,
    total,
    c1,
    c3,
    jumps,
  );
  const updates: Record<string, tf.Tensor> = {};
  control.forEach(({ a, b, c }, i) => {
    const k = keys[i]!;
    updates[k] = tf
      .engine()
      .runKernel(
        HYPER_UPDATE,
        { g: grads[k]!, m: m[k]!, v: v[k]!, m2: m2[k]! },
        { a, b, c, ic2, epsilon },
      ) as tf.Tensor;
  });
  return { updates, state: nextHyperState(m, v, m2, control, t, total) };
}
