import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { lossAndGrad } from './loss-and-grad.js';
import { unrollMetaGradient } from './meta-gradient.js';
import { Rng } from './rng.js';
import { addMaps, disposeMap } from './tensor-map.js';
import { forwardUnroll, tinyLinearTask, tinyQuadraticTask } from './test-fixtures.js';
import type { LearnedOptimizer, Optimizee, Optimizer, TensorMap } from './types.js';

type S = { m: tf.Tensor };

/** A tiny learned optimizer with state and a dependence on θ, so every path of the meta-gradient is used. */
const tinyLearned: LearnedOptimizer<S> = {
  name: 'tiny',
  kind: 'tiny',
  config: {},
  initMetaParams: () => ({ a: tf.scalar(0.3), b: tf.scalar(0.5), c: tf.scalar(0.05), d: tf.scalar(0.2) }),
  withMetaParams(phi: TensorMap): Optimizer<S> {
    return {
      name: 'tiny',
      init: (params) => ({ m: tf.zerosLike(params['x']!) }),
      update: (grads, state, params) =>
        tf.tidy(() => {
          const m = tf.tanh(tf.add(tf.mul(phi['b']!, grads['x']!), tf.mul(phi['d']!, state.m)));
          const u = tf.neg(tf.add(tf.mul(phi['a']!, m), tf.mul(phi['c']!, params['x']!)));
          return { updates: { x: u }, state: { m } };
        }),
    };
  },
};

/** Forward unroll of the tiny optimizer without a tape: the gradients fed to it and the losses. */
function forward(task: Optimizee<null>, phi: TensorMap, K: number): { grads: TensorMap[]; losses: number[] } {
  return forwardUnroll(tinyLearned.withMetaParams(phi), task, K);
}

function ours(task: Optimizee<null>, phi: TensorMap, K: number, w: number[]): Record<string, number> {
  const { grads } = forward(task, phi, K);
  const theta = task.init(Rng.seeded(1));
  const state = tinyLearned.withMetaParams(phi).init(theta);
  const g = unrollMetaGradient(tinyLearned, phi, theta, state, grads, w);
  const out = Object.fromEntries(Object.entries(g).map(([k, v]) => [k, v.dataSync()[0]!]));
  disposeMap(g);
  grads.forEach(disposeMap);
  disposeMap(theta);
  tf.dispose(state);
  return out;
}

beforeAll(async () => {
  await initEngine('cpu');
});

describe('unrollMetaGradient (exact form with constant optimizee gradients)', () => {
  const K = 6;
  const w = [1, 1, 0.5, 1, 2, 1];

  it('equals central finite differences of the true meta-loss on a linear task (constant gradients)', () => {
    const task = tinyLinearTask();
    const phi = tinyLearned.initMetaParams(Rng.seeded(0));
    const g = ours(task, phi, K, w);
    const metaLoss = (p: TensorMap): number => {
      const { grads, losses } = forward(task, p, K);
      grads.forEach(disposeMap);
      return losses.reduce((s, l, i) => s + w[i]! * l, 0);
    };
    for (const key of Object.keys(phi)) {
      const eps = 1e-2;
      const base = phi[key]!.dataSync()[0]!;
      const up = tf.scalar(base + eps);
      const down = tf.scalar(base - eps);
      const fd = (metaLoss({ ...phi, [key]: up }) - metaLoss({ ...phi, [key]: down })) / (2 * eps);
      up.dispose();
      down.dispose();
      expect(Math.abs(g[key]! - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
    disposeMap(phi);
  });

  it('equals the plain tape with the gradients detached, on a quadratic (within float32 tolerance)', () => {
    const task = tinyQuadraticTask();
    const phi = tinyLearned.initMetaParams(Rng.seeded(0));
    const g = ours(task, phi, K, w);
    const keys = Object.keys(phi).sort();
    const tape = tf.grads((...vals: tf.Tensor[]) => {
      const p = Object.fromEntries(keys.map((k, i) => [k, vals[i]!]));
      const opt = tinyLearned.withMetaParams(p);
      let theta: TensorMap = task.init(Rng.seeded(1));
      let state = opt.init(theta);
      const detach = (m: TensorMap): TensorMap =>
        Object.fromEntries(Object.entries(m).map(([k, t]) => [k, tf.tensor(t.dataSync(), t.shape)]));
      let total: tf.Scalar = tf.scalar(0);
      let grads = detach(lossAndGrad(task, theta, null).grads);
      for (let k = 0; k < K; k++) {
        const s = opt.update(grads, state, theta);
        theta = addMaps(theta, s.updates);
        state = s.state;
        total = tf.add(total, tf.mul(task.loss(theta, null), w[k]!));
        grads = detach(lossAndGrad(task, theta, null).grads);
      }
      return total;
    })(keys.map((k) => phi[k]!));
    keys.forEach((k, i) => {
      const t = tape[i]!.dataSync()[0]!;
      expect(Math.abs(g[k]! - t)).toBeLessThan(1e-5 * Math.max(1, Math.abs(t)));
    });
    disposeMap(phi);
  });

  it('does not leak tensors', () => {
    const task = tinyQuadraticTask();
    const phi = tinyLearned.initMetaParams(Rng.seeded(0));
    ours(task, phi, K, w);
    const before = tf.memory().numTensors;
    ours(task, phi, K, w);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi);
  });

  it('rejects mismatched weights', () => {
    const phi = tinyLearned.initMetaParams(Rng.seeded(0));
    const theta = { x: tf.zeros([3]) };
    expect(() => unrollMetaGradient(tinyLearned, phi, theta, { m: tf.zeros([3]) }, [theta, theta], [1, 1])).toThrow(
      /weights/,
    );
    disposeMap(phi);
  });
});
