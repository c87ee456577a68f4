import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, evaluate, initEngine, metaTrain, optimizeeFromLayersModel, type Rng } from '@l2o/core';
import { hyperOptimizer } from './index.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('the hyper optimizer on a user tfjs-layers model (optimizeeFromLayersModel)', () => {
  it('meta-trains on it and the trained φ lowers its loss; the model is untouched', async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [4],
          units: 6,
          activation: 'tanh',
          kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }),
        }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 4 }) }),
      ],
    });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const family = optimizeeFromLayersModel(model, (rng: Rng) => {
      const x = rng.normalArray(16 * 4);
      const y = Float32Array.from({ length: 16 }, (_, i) => Math.tanh(x[i * 4]! - 2 * x[i * 4 + 1]! + 0.5));
      return { xs: tf.tensor2d(x, [16, 4]), ys: tf.tensor2d(y, [16, 1]) };
    });
    const before = model.getWeights().map((w) => Array.from(w.dataSync()));
    const learned = hyperOptimizer({ hidden: 8, initialLr: 0.01 });
    const trained = await metaTrain({
      learned,
      family,
      epochs: 4,
      horizon: 10,
      unroll: 5,
      seed: 1,
      metaLearningRate: 0.01,
      validateEvery: 2,
      validationProblems: 2,
    });
    expect(trained.history.every((h) => Number.isFinite(h.metaLoss))).toBe(true);
    const result = await evaluate({
      family,
      optimizers: [{ name: 'hyper', optimizer: learned.withMetaParams(trained.metaParams) }],
      problems: 2,
      steps: 30,
      seed: 5,
    });
    const mean = result.curves[0]!.mean;
    expect(mean[30]!).toBeLessThan(0.3 * mean[0]!);
    disposeMap(trained.metaParams);
    disposeMap(trained.lastMetaParams);
    expect(model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(before);
  }, 120_000);
});
