import { beforeAll, describe, it } from 'vitest';
import { initEngine, Rng } from '@l2o/core';
import { registerConformance } from '@l2o/core/testing';
import { hyperOptimizer } from './index.js';
import { loadHyperOptimizer, saveHyperOptimizer } from './node.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const learned = hyperOptimizer({ hidden: 8, initialLr: 0.01 });
const phi = learned.initMetaParams(Rng.seeded(42));
for (const path of ['differentiable', 'fast'] as const) {
  registerConformance(
    {
      name: `hyper (${path})`,
      make: () => (path === 'fast' ? learned.inferenceOptimizer!(phi) : learned.withMetaParams(phi)),
      // Meta-training in the descent check runs through the differentiable path; the fast path is checked as it is.
      ...(path === 'differentiable' ? { learned, metaTrainEpochs: 10 } : {}),
      saveLoad: {
        save: (dir) => {
          saveHyperOptimizer(dir, { learned, metaParams: phi });
        },
        load: (dir) => {
          const l = loadHyperOptimizer(dir);
          return path === 'fast' ? l.learned.inferenceOptimizer!(l.metaParams) : l.learned.withMetaParams(l.metaParams);
        },
      },
    },
    { describe, it },
  );
}
