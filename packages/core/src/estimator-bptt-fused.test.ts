import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { bpttEstimator } from './estimator-bptt.js';
import { fusedBpttEstimator } from './estimator-bptt-fused.js';
import { newEpisodeSlot, slotProblem, type MetaSlot } from './meta-slot.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { tinyGradientOnly, withReplayedFusedUnroll } from './test-fixtures.js';
import { conformanceQuadraticFamily } from './testing.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('fusedBpttEstimator', () => {
  it('runs the fused unroll and matches the tape estimator over a whole episode; falls back where declined', () => {
    const calls = { steps: 0 };
    const plain = tinyGradientOnly('g', 0.05);
    const fused = withReplayedFusedUnroll(plain, calls);
    const declining = { ...plain, beginFusedUnroll: () => undefined };
    const family = conformanceQuadraticFamily();
    const phi = plain.initMetaParams(Rng.seeded(0));
    const before = tf.memory().numTensors;
    const slot0 = newEpisodeSlot(3, 1, 15);
    const problem = slotProblem(family, slot0.info);
    const estimators = [
      bpttEstimator({ learned: plain, unroll: 5, lossWeights: 'linear' }),
      fusedBpttEstimator({ learned: fused, unroll: 5, lossWeights: 'linear' }),
      fusedBpttEstimator({ learned: declining, unroll: 5, lossWeights: 'linear' }),
    ];
    const runs = estimators.map((est) => {
      let slot: MetaSlot = slot0;
      const grads: number[][] = [];
      for (let j = 0; j < 3; j++) {
        const r = est.estimate(phi, slot, problem);
        grads.push(Object.keys(r.metaGradient).flatMap((k) => Array.from(r.metaGradient[k]!.dataSync())));
        disposeMap(r.metaGradient);
        if (slot.tensors !== null) tf.dispose(slot.tensors);
        slot = r.slot;
      }
      tf.dispose(slot.tensors!);
      return grads;
    });
    expect(calls.steps).toBe(15);
    runs[0]!.flat().forEach((g, i) => {
      expect(Math.abs(runs[1]!.flat()[i]! - g)).toBeLessThan(1e-6 * Math.max(1, Math.abs(g)));
      expect(runs[2]!.flat()[i]).toBe(g);
    });
    problem.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi);
  });
});
