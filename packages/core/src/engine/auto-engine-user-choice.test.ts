// Runs in its own process (vitest forks one per test file): the tfjs engine is a process-wide singleton.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adam } from '../adam.js';
import { evaluate } from '../evaluate.js';
import { metaTrain } from '../meta-train.js';
import { disposeMap } from '../tensor-map.js';
import { tinyLearned, tinyQuadraticTask } from '../test-fixtures.js';
import { engineInfo } from './engine.js';

describe('a user who chose a tfjs backend', () => {
  it('keeps it in evaluate and metaTrain; on cpu one warning says how to get the fast engine', async () => {
    delete process.env['L2O_BACKEND'];
    await tf.setBackend('cpu');
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(w);
    };
    process.on('warning', onWarning);
    const family = { name: 'q', sample: () => tinyQuadraticTask() };
    const opts = { family, problems: 1, steps: 2, seed: 0 };
    await evaluate({ ...opts, optimizers: [{ name: 'adam', optimizer: adam({ learningRate: 0.1 }) }] });
    const run = await metaTrain({ learned: tinyLearned(), family, epochs: 1, horizon: 2, unroll: 1, seed: 0 });
    disposeMap(run.metaParams);
    disposeMap(run.lastMetaParams);
    await new Promise((r) => setImmediate(r));
    process.off('warning', onWarning);
    expect(tf.getBackend()).toBe('cpu');
    expect(engineInfo()).toBeUndefined();
    const ours = warnings.filter((w) => (w as { code?: string }).code === 'L2O_SLOW_BACKEND');
    expect(ours.length).toBe(1);
    expect(ours[0]!.message).toMatch(/evaluate runs on tfjs's plain-JS cpu backend.*initEngine\(\)/);
  });
});
