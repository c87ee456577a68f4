import { beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, evaluate, initEngine, optimizerForEvaluation } from '@l2o/core';
import { quadraticFamily } from '@l2o/optimizee-quadratic';
import { LSTM_PRESETS, describeLstmPresets, loadLstmPreset } from './presets.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('presets', () => {
  it('every preset loads offline into a working LSTM optimizer, with its training metadata', () => {
    expect(LSTM_PRESETS.length).toBeGreaterThan(0);
    for (const d of describeLstmPresets()) {
      const { learned, metaParams, manifest } = loadLstmPreset(d.name);
      expect(manifest.kind).toBe('lstm');
      expect(manifest.training).toBeDefined();
      expect(Object.keys(metaParams).length).toBeGreaterThan(0);
      expect(() => learned.withMetaParams(metaParams)).not.toThrow();
      disposeMap(metaParams);
    }
    expect(() => loadLstmPreset('nope')).toThrow(/allowed values/);
  });

  it('the quadratic preset reproduces its reported step-100 loss within noise (fresh problems, not the test set)', async () => {
    // The preset was selected on validation seeds and reported on test seeds 2,000,003…; here: other seeds.
    const { learned, metaParams, manifest } = loadLstmPreset('quadratic');
    const result = await evaluate({
      family: quadraticFamily(),
      optimizers: [{ name: 'lstm', optimizer: optimizerForEvaluation(learned, metaParams) }],
      problems: 20,
      steps: 100,
      seed: 77,
    });
    const final = result.curves[0]!.mean[100]!;
    // Reported: 0.296 ± 0.071 (std over 100 problems) → the mean of 20 problems is within ~±0.05 of it.
    expect(final).toBeGreaterThan(0.2);
    expect(final).toBeLessThan(0.37);
    expect(manifest.training?.['task']).toBe('quadratic-10d-gaussian');
    disposeMap(metaParams);
  });
});
