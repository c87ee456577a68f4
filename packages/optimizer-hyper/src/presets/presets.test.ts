import * as tf from '@tensorflow/tfjs';
import { disposeMap, initEngine, Rng } from '@l2o/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { HYPER_PRESETS, describeHyperPresets, loadHyperPreset } from '../index.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('hyper presets', () => {
  it('general loads with no file access; its φ is trained (not the initial one) and its run is recorded', () => {
    expect(HYPER_PRESETS).toContain('general');
    const { learned, metaParams, manifest } = loadHyperPreset('general');
    expect(manifest.kind).toBe('hyper');
    const fresh = learned.initMetaParams(Rng.seeded(1));
    const moved = tf.tidy(() => tf.sum(tf.abs(tf.sub(metaParams['w1']!, fresh['w1']!))).dataSync()[0]!);
    expect(moved).toBeGreaterThan(1e-3);
    // Trained by the documented command (`l2o train --optimizer hyper --task suite --estimator pes …`), to the end.
    expect(manifest.training).toMatchObject({ estimator: 'pes', complete: true, lossTransform: 'log' });
    expect(describeHyperPresets().find((p) => p.name === 'general')?.summary.length).toBeGreaterThan(20);
    disposeMap(metaParams);
    disposeMap(fresh);
  });

  it('an unknown preset is refused with the allowed names', () => {
    expect(() => loadHyperPreset('genral')).toThrow(/unknown preset "genral"; allowed values: general/);
  });
});
