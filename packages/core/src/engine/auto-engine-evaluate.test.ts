// Runs in its own process (vitest forks one per test file): the tfjs engine is a process-wide singleton.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adam } from '../adam.js';
import { evaluate } from '../evaluate.js';
import { metaTrain } from '../meta-train.js';
import { disposeMap } from '../tensor-map.js';
import { tinyLearned, tinyQuadraticTask } from '../test-fixtures.js';
import { engineInfo } from './engine.js';

describe('a user who never initialised the engine', () => {
  it('gets the fast engine from evaluate (not tfjs’s cpu backend), and metaTrain keeps it', async () => {
    delete process.env['L2O_BACKEND'];
    expect((tf.engine() as { backendName?: string | null }).backendName ?? null).toBeNull();
    expect(engineInfo()).toBeUndefined();
    const family = { name: 'q', sample: () => tinyQuadraticTask() };
    await evaluate({
      family,
      optimizers: [{ name: 'adam', optimizer: adam({ learningRate: 0.1 }) }],
      problems: 1,
      steps: 2,
      seed: 0,
    });
    expect(engineInfo()?.backend).toMatch(/^(node|wasm)$/);
    expect(tf.getBackend()).toMatch(/^(tensorflow|wasm)$/);
    const run = await metaTrain({ learned: tinyLearned(), family, epochs: 1, horizon: 2, unroll: 1, seed: 0 });
    disposeMap(run.metaParams);
    disposeMap(run.lastMetaParams);
    expect(tf.getBackend()).toMatch(/^(tensorflow|wasm)$/);
  });
});
