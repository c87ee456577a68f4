import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '@l2o/core';
import type { OptimizerStep } from '@l2o/core/extend';
import type { HyperConfig } from './config.js';
import {
  COS_DECAY_FAST,
  COS_DECAY_SLOW,
  DELTA_LIMIT,
  FEATURE_CLIP,
  SCHEDULE_MIN,
  SCHEDULE_SPAN,
  timeFeatures,
} from './features.js';
import { stepContext, type HyperState } from './hyper-state.js';
import { secantJumps } from './secant-start.js';

const rms = (x: tf.Tensor): tf.Scalar => tf.sqrt(tf.mean(tf.square(x)));
/** Element [i, j] of a matrix as a scalar (slices: tfjs's Unpack gradient fails when some outputs are unused). */
const at = (x: tf.Tensor2D, i: number, j: number): tf.Scalar => tf.reshape(tf.slice(x, [i, j], [1, 1]), []);
/** Column j of a matrix. */
const column = (x: tf.Tensor2D, j: number): tf.Tensor1D =>
  tf.reshape(tf.slice(x, [0, j], [x.shape[0], 1]), [x.shape[0]]);

/**
 * One update of the hyper optimizer in tfjs ops, differentiable in φ (the reference the fast path is tested
 * against, and what truncated BPTT differentiates). See features.ts for the controller's inputs.
 */
export function hyperStep(
  config: HyperConfig,
  phi: TensorMap,
  grads: TensorMap,
  state: HyperState,
  params: TensorMap,
): OptimizerStep<HyperState> {
  const { keys, t, total, c1, c2, c3 } = stepContext(config, state, grads);
  const { beta1, beta2, beta3, epsilon } = config;
  const jumps = secantJumps(config, t, keys, grads, state.m, state.v);
  return tf.tidy(() => {
    const m: Record<string, tf.Tensor> = {};
    const v: Record<string, tf.Tensor> = {};
    const m2: Record<string, tf.Tensor> = {};
    const dirs: tf.Tensor[][] = [];
    const cosL: tf.Scalar[] = [];
    const snrL: tf.Scalar[] = [];
    const spikeL: tf.Scalar[] = [];
    const rmsD1L: tf.Scalar[] = [];
    const rmsThL: tf.Scalar[] = [];
    for (const k of keys) {
      const g = grads[k]!;
      const th = params[k]!;
      const mPrev = state.m[k]!;
      const mk = tf.add(tf.mul(mPrev, beta1), tf.mul(g, 1 - beta1));
      const vk = tf.add(tf.mul(state.v[k]!, beta2), tf.mul(tf.square(g), 1 - beta2));
      const m2k = tf.add(tf.mul(state.m2[k]!, beta3), tf.mul(g, 1 - beta3));
      m[k] = mk;
      v[k] = vk;
      m2[k] = m2k;
      const vHat = tf.div(vk, c2);
      const den = tf.add(tf.sqrt(vHat), epsilon);
      const d0 = tf.div(g, den);
      const d1 = tf.div(tf.div(mk, c1), den);
      const d2 = tf.div(tf.div(m2k, c3), den);
      dirs.push([d0, d1, d2]);
      const dot = tf.sum(tf.mul(g, mPrev));
      const norms = tf.sqrt(tf.mul(tf.sum(tf.square(g)), tf.sum(tf.square(mPrev))));
      cosL.push(tf.div(dot, tf.add(norms, 1e-30)) as tf.Scalar);
      const rd1 = rms(d1);
      rmsD1L.push(rd1);
      snrL.push(tf.log(tf.add(rd1, 1e-8)) as tf.Scalar);
      spikeL.push(
        tf.mul(tf.log(tf.add(tf.div(tf.mean(tf.square(g)), tf.add(tf.mean(vHat), 1e-30)), 1e-8)), 0.5) as tf.Scalar,
      );
      rmsThL.push(rms(th));
    }
    const n = keys.length;
    const cos = tf.stack(cosL) as tf.Tensor1D;
    const snr = tf.stack(snrL) as tf.Tensor1D;
    const spike = tf.stack(spikeL) as tf.Tensor1D;
    const rmsD1 = tf.stack(rmsD1L) as tf.Tensor1D;
    const rmsTh = tf.stack(rmsThL) as tf.Tensor1D;
    const e1 = tf.add(tf.mul(state.e1, COS_DECAY_FAST), tf.mul(cos, 1 - COS_DECAY_FAST)) as tf.Tensor1D;
    const e2 = tf.add(tf.mul(state.e2, COS_DECAY_SLOW), tf.mul(cos, 1 - COS_DECAY_SLOW)) as tf.Tensor1D;
    const logLr0 = phi['logLr0']!;
    const delta = jumps
      ? (tf.clipByValue(tf.add(state.lr, tf.tensor1d(jumps)), -DELTA_LIMIT, DELTA_LIMIT) as tf.Tensor1D)
      : state.lr;
    const relStep = tf.sub(
      tf.log(tf.add(tf.mul(tf.exp(tf.add(logLr0, delta)), rmsD1), 1e-12)),
      tf.log(tf.add(rmsTh, 1e-3)),
    );
    const sizes = keys.map((k) => Math.log(params[k]!.size) / 10);
    const isVector = keys.map((k) => (params[k]!.rank <= 1 ? 1 : 0));
    const time = timeFeatures(t, total);
    const ones = tf.ones([n]);
    const columns: tf.Tensor[] = [
      cos,
      e1,
      e2,
      snr,
      spike,
      relStep,
      delta,
      tf.log(tf.add(rmsTh, 1e-8)),
      tf.tensor1d(sizes),
      tf.tensor1d(isVector),
      ...time.map((x) => tf.mul(ones, x)),
      tf.mul(ones, tf.mean(cos)),
      tf.mul(ones, tf.mean(snr)),
      tf.mul(ones, tf.mean(spike)),
    ];
    const features = tf.clipByValue(tf.stack(columns, 1), -FEATURE_CLIP, FEATURE_CLIP) as tf.Tensor2D;
    const hidden = tf.relu(tf.add(tf.matMul(features, phi['w1'] as tf.Tensor2D), phi['b1']!));
    const out = tf.add(
      tf.add(tf.matMul(hidden as tf.Tensor2D, phi['w2'] as tf.Tensor2D), tf.matMul(features, phi['wl'] as tf.Tensor2D)),
      phi['b2']!,
    ) as tf.Tensor2D;
    const dDelta = column(out, 0);
    const sched = column(out, 1);
    const s = tf.add(tf.mul(tf.sigmoid(sched), SCHEDULE_SPAN), SCHEDULE_MIN);
    let newDelta = tf.clipByValue(
      tf.add(delta, tf.mul(tf.tanh(dDelta), config.maxLrChange)),
      -DELTA_LIMIT,
      DELTA_LIMIT,
    ) as tf.Tensor1D;
    if (config.maxRelativeStep > 0) {
      // The relative-step cap (tensor-control.ts): lr·rms(d₁) ≤ κ·(rms(θ) + 1e-3).
      const cap = tf.sub(
        tf.sub(tf.log(tf.div(tf.mul(tf.add(rmsTh, 1e-3), config.maxRelativeStep), tf.add(rmsD1, 1e-12))), logLr0),
        s,
      );
      newDelta = tf.maximum(tf.minimum(newDelta, cap), -DELTA_LIMIT) as tf.Tensor1D;
    }
    const mix = tf.softmax(tf.slice(out, [0, 2], [n, 3])) as tf.Tensor2D;
    const lr = tf.exp(tf.add(tf.add(logLr0, newDelta), s)) as tf.Tensor1D;
    // Per-tensor coefficients of the three directions: −lr·mix (one [n, 3] matrix, split per tensor).
    const coef = tf.mul(tf.neg(tf.expandDims(lr, 1)), mix) as tf.Tensor2D;
    const updates: Record<string, tf.Tensor> = {};
    keys.forEach((k, i) => {
      const [d0, d1, d2] = dirs[i]!;
      updates[k] = tf.add(
        tf.add(tf.mul(d0!, at(coef, i, 0)), tf.mul(d1!, at(coef, i, 1))),
        tf.mul(d2!, at(coef, i, 2)),
      );
    });
    return {
      updates,
      state: {
        m,
        v,
        m2,
        lr: newDelta,
        e1,
        e2,
        step: tf.scalar(t),
        totalSteps: tf.scalar(total),
      },
    };
  });
}
