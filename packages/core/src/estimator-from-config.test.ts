import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { fusedBpttEstimator } from './estimator-bptt-fused.js';
import { bpttEstimator } from './estimator-bptt.js';
import { estimatorFromConfig } from './estimator-from-config.js';
import { pesEstimator } from './estimator-pes.js';
import { newEpisodeSlot, slotProblem } from './meta-slot.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { tinyGradientOnly, tinyLearned, withReplayedFusedUnroll } from './test-fixtures.js';
import { conformanceQuadraticFamily } from './testing.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('estimatorFromConfig', () => {
  it('rebuilds each shipped estimator from its JSON config, giving identical estimates', () => {
    const fusable = withReplayedFusedUnroll(tinyGradientOnly('g', 0.05), { steps: 0 });
    const cases = [
      [tinyLearned(), pesEstimator({ learned: tinyLearned(), unroll: 3, sigma: 0.03, lossTransform: 'relative' })],
      [tinyLearned(), bpttEstimator({ learned: tinyLearned(), unroll: 3, lossWeights: [1, 2, 3, 4, 5, 6] })],
      [fusable, fusedBpttEstimator({ learned: fusable, unroll: 3, lossWeights: 'linear', lossTransform: 'log' })],
    ] as const;
    const family = conformanceQuadraticFamily();
    for (const [learned, est] of cases) {
      const phi = learned.initMetaParams(Rng.seeded(0));
      const copy = estimatorFromConfig(learned, JSON.parse(JSON.stringify(est.config)));
      expect(copy.name).toBe(est.name);
      expect(copy.config).toEqual(est.config);
      const slot = newEpisodeSlot(1, 2, 6);
      const problem = slotProblem(family, slot.info);
      const a = est.estimate(phi, slot, problem);
      const b = copy.estimate(phi, slot, problem);
      expect(b.losses).toEqual(a.losses);
      for (const k of Object.keys(phi)) expect(b.metaGradient[k]!.dataSync()).toEqual(a.metaGradient[k]!.dataSync());
      for (const r of [a, b]) {
        disposeMap(r.metaGradient);
        tf.dispose(r.slot.tensors!);
      }
      problem.dispose?.();
      disposeMap(phi);
    }
    expect(() => estimatorFromConfig(tinyLearned(), { estimator: 'es', unroll: 2 })).toThrow(
      /config\.estimator: unknown "es"; allowed values: bptt, bptt-fused, pes/,
    );
    expect(() => estimatorFromConfig(tinyLearned(), { estimator: 'pes' })).toThrow(/config\.unroll/);
  });
});
