import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { bpttEstimator } from './estimator-bptt.js';
import { newEpisodeSlot } from './meta-slot.js';
import { lossWeight, transformLoss, type LossTransform } from './meta-objective.js';
import { disposeMap } from './tensor-map.js';
import { forwardUnroll, tinyLearned } from './test-fixtures.js';
import type { Optimizee, TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** f(x) = c·x + 10, c = (1, −2, 0.5): positive along a short trajectory, constant gradient (BPTT is exact). */
function positiveLinearTask(): Optimizee<null> {
  const c = tf.tensor1d([1, -2, 0.5]);
  return {
    name: 'lin+10',
    init: () => ({ x: tf.tensor1d([0.1, 0.2, 0.3]) }),
    sampleBatch: () => null,
    loss: (p) => tf.tidy(() => tf.add(tf.sum(tf.mul(c, p['x']!)), 10)) as tf.Scalar,
    dispose: () => c.dispose(),
  };
}

const PHI = { a: 0.05, b: 0.5, c: 0.02, d: 0.2 };
const phiOf = (v: Record<string, number>): TensorMap =>
  Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tf.scalar(x)]));

describe('bpttEstimator', () => {
  for (const transform of ['none', 'relative', 'log'] as const satisfies readonly LossTransform[]) {
    it(`equals central finite differences of Σ w_t τ(f(θ_t)) over the truncation (linear weights, τ = ${transform})`, () => {
      const K = 4;
      const T = 8;
      const task = positiveLinearTask();
      const est = bpttEstimator({ learned: tinyLearned(), unroll: K, lossWeights: 'linear', lossTransform: transform });
      const phi = phiOf(PHI);
      const r = est.estimate(phi, newEpisodeSlot(0, 0, T), task);
      const f0 = 10 + 0.1 - 0.4 + 0.15;
      expect(r.slot.info.initialLoss).toBeCloseTo(f0, 5);
      const objective = (v: Record<string, number>): number => {
        const p = phiOf(v);
        const run = forwardUnroll(tinyLearned().withMetaParams(p), task, K);
        run.grads.forEach(disposeMap);
        disposeMap(p);
        return run.losses.reduce((s, f, k) => s + lossWeight('linear', k + 1, T) * transformLoss(transform, f, f0), 0);
      };
      const h = 1e-2;
      for (const k of Object.keys(PHI)) {
        const fd =
          (objective({ ...PHI, [k]: PHI[k as keyof typeof PHI] + h }) -
            objective({ ...PHI, [k]: PHI[k as keyof typeof PHI] - h })) /
          (2 * h);
        const g = r.metaGradient[k]!.dataSync()[0]!;
        expect(Math.abs(g - fd)).toBeLessThan(3e-3 * Math.max(Math.abs(fd), transform === 'none' ? 1 : 0.1));
      }
      // The losses it reports are τ(f) of the steps taken.
      const plain = forwardUnroll(tinyLearned().withMetaParams(phi), task, K);
      plain.grads.forEach(disposeMap);
      r.losses.forEach((l, k) => expect(l).toBeCloseTo(transformLoss(transform, plain.losses[k]!, f0), 5));
      disposeMap(r.metaGradient);
      tf.dispose(r.slot.tensors!);
      disposeMap(phi);
      task.dispose?.();
    });
  }

  it('runs the last, shorter truncation of an episode and refuses a finished one', () => {
    const task = positiveLinearTask();
    const est = bpttEstimator({ learned: tinyLearned(), unroll: 4 });
    const phi = phiOf(PHI);
    const r1 = est.estimate(phi, newEpisodeSlot(0, 0, 6), task);
    const r2 = est.estimate(phi, r1.slot, task);
    expect(r1.losses).toHaveLength(4);
    expect(r2.losses).toHaveLength(2);
    expect(r2.slot.info.step).toBe(6);
    expect(() => est.estimate(phi, r2.slot, task)).toThrow(/episode 0 is over \(step 6 of 6\)/);
    for (const r of [r1, r2]) disposeMap(r.metaGradient);
    tf.dispose([r1.slot.tensors!, r2.slot.tensors!]);
    disposeMap(phi);
    task.dispose?.();
  });
});
