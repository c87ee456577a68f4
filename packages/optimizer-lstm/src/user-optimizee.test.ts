import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, disposeMap, evaluate, initEngine, metaTrain, Rng } from '@l2o/core';
import { lstmOptimizer } from '@l2o/optimizer-lstm';
import { logisticRegressionFamily, type LogisticData } from '../../../examples/user-optimizee/logistic-regression.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** "The user's own arrays": 400 rows of 6 features, labels drawn from a logistic model with known weights. */
function userData(): LogisticData {
  const rng = Rng.seeded(2024);
  const wStar = [2, -1.5, 1, 0, 0.5, -2];
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 400; i++) {
    const row = Array.from(rng.normalArray(6));
    const z = row.reduce((s, v, j) => s + v * wStar[j]!, 0.3);
    features.push(row);
    labels.push(rng.uniform() < 1 / (1 + Math.exp(-z)) ? 1 : 0);
  }
  return { features, labels };
}

describe('a user-written optimizee (examples/user-optimizee) with the public API only', () => {
  it('meta-trains the LSTM on it with metaTrain and evaluates it with evaluate', async () => {
    const family = logisticRegressionFamily(userData(), { batchSize: 32 });
    const learned = lstmOptimizer();
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const result = await metaTrain({
      learned,
      family,
      epochs: 30,
      horizon: 20,
      unroll: 5,
      seed: 7,
      metaLearningRate: 0.01,
      validateEvery: 10,
      validationProblems: 4,
    });
    const trainMs = performance.now() - t0;
    const phi0 = learned.initMetaParams(Rng.seeded(7));
    const evaluation = await evaluate({
      family,
      optimizers: [
        { name: 'lstm-trained', optimizer: learned.withMetaParams(result.metaParams) },
        { name: 'lstm-untrained', optimizer: learned.withMetaParams(phi0) },
        { name: 'adam-0.1', optimizer: adam({ learningRate: 0.1 }) },
      ],
      problems: 8,
      steps: 20,
      seed: 99,
    });
    const final = Object.fromEntries(evaluation.curves.map((c) => [c.name, c.mean[c.mean.length - 1]!]));
    const start = evaluation.curves[0]!.mean[0]!;
    console.log(
      `user optimizee: metaTrain 30 epochs ${trainMs.toFixed(0)} ms (best epoch ${result.bestEpoch}); ` +
        `mean loss at step 0 ${start.toFixed(4)}, at step 20: ` +
        Object.entries(final)
          .map(([k, v]) => `${k} ${v.toFixed(4)}`)
          .join(', '),
    );
    expect(start).toBeCloseTo(Math.log(2), 1); // θ₀ ≈ 0 predicts 1/2 for every row
    expect(final['lstm-trained']!).toBeLessThan(0.75 * start);
    expect(final['lstm-trained']!).toBeLessThan(final['lstm-untrained']!);
    expect(result.history.length).toBe(30);
    disposeMap(result.metaParams);
    disposeMap(result.lastMetaParams);
    disposeMap(phi0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
