import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, disposeMap, initEngine, type LearnedOptimizer, residualLearned, Rng } from '@l2o/core';
import { compareFusedMetaTrain, conformanceQuadraticFamily } from '@l2o/core/testing';
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
    const cmp = await compareFusedMetaTrain(opts);
    expect(cmp.epochs[0]).toBe(cmp.epochs[1]);
    expect(cmp.metaLoss).toBeLessThan(1e-4);
    expect(cmp.metaParams).toBeLessThan(1e-4);
    expect(cmp.moved).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi0);
  });

  it('runs a residual (Adam base + LSTM with moment inputs) through the fused kernel: same history and φ as tfjs', async () => {
    const lstm = lstmOptimizer({ hiddenSizes: [6, 6], preprocessing: 'log-sign-moments', outputScale: 0.01 });
    const learned = residualLearned({
      base: adam({ learningRate: 0.05 }),
      baseConfig: { name: 'adam', learningRate: 0.05 },
      learned: lstm as unknown as LearnedOptimizer,
    });
    expect(learned.beginFusedUnroll).toBeDefined();
    const phi0 = learned.initMetaParams(Rng.seeded(2));
    const opts = {
      learned,
      family: conformanceQuadraticFamily(),
      epochs: 4,
      horizon: 20,
      unroll: 5,
      seed: 6,
      metaLearningRate: 0.01,
      validateEvery: 2,
      validationProblems: 2,
      initialMetaParams: phi0,
    };
    const before = tf.memory().numTensors;
    const cmp = await compareFusedMetaTrain(opts);
    expect(cmp.epochs[0]).toBe(cmp.epochs[1]);
    expect(cmp.metaLoss).toBeLessThan(1e-4);
    expect(cmp.metaParams).toBeLessThan(1e-4);
    expect(cmp.moved).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi0);
  });
});
