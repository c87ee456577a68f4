import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, disposeMap, initEngine, metaTrain } from '@l2o/core';
import { conformanceQuadraticFamily } from '@l2o/core/testing';
import { lstmOptimizer } from '../lstm-optimizer.js';
import { fusedKernelSupported } from './wasm-kernel.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('metaTrain through the fused LSTM unroll', () => {
  it('is offered by lstmOptimizer and matches the generic tfjs path (history and φ within float32 tolerance)', async () => {
    expect(fusedKernelSupported()).toBe(true);
    const learned = lstmOptimizer({ hiddenSizes: [8, 8] });
    const phi0 = learned.initMetaParams(Rng.seeded(1));
    const st = learned.withMetaParams(phi0).init({ x: tf.zeros([3]) });
    const probe = learned.beginFusedUnroll?.(phi0, st);
    expect(probe).toBeDefined();
    probe?.dispose();
    tf.dispose(st as unknown as tf.Tensor[]);
    const opts = {
      learned,
      family: conformanceQuadraticFamily(),
      epochs: 6,
      horizon: 20,
      unroll: 5,
      seed: 4,
      metaLearningRate: 0.01,
      validateEvery: 3,
      validationProblems: 2,
      initialMetaParams: phi0,
    };
    const before = tf.memory().numTensors;
    const generic = await metaTrain({ ...opts, fused: false });
    const fused = await metaTrain({ ...opts });
    expect(fused.history.length).toBe(generic.history.length);
    fused.history.forEach((h, i) => {
      const g = generic.history[i]!;
      expect(Math.abs(h.metaLoss - g.metaLoss)).toBeLessThan(1e-4 * Math.max(1, Math.abs(g.metaLoss)));
    });
    for (const k of Object.keys(generic.lastMetaParams)) {
      const a = generic.lastMetaParams[k]!.dataSync();
      const b = fused.lastMetaParams[k]!.dataSync();
      let worst = 0;
      a.forEach((v, i) => {
        worst = Math.max(worst, Math.abs(v - b[i]!));
      });
      expect(worst).toBeLessThan(1e-4);
    }
    for (const r of [generic, fused]) {
      disposeMap(r.metaParams);
      disposeMap(r.lastMetaParams);
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi0);
  });
});
