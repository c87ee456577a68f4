import { beforeAll, describe, it } from 'vitest';
import { initEngine, Rng } from '@l2o/core';
import { registerConformance } from '@l2o/core/testing';
import { ntmBfgsOptimizer } from './index.js';
import { loadNtmBfgsOptimizer, saveNtmBfgsOptimizer } from './node.js';

beforeAll(async () => {
  await initEngine('wasm');
});

for (const memory of ['dense', 'low-rank'] as const) {
  const learned = ntmBfgsOptimizer({ memory, window: 9 });
  const phi = learned.initMetaParams(Rng.seeded(42));
  registerConformance(
    {
      name: `ntm-bfgs (${memory})`,
      make: () => learned.withMetaParams(phi),
      learned,
      saveLoad: {
        save: (dir) => {
          saveNtmBfgsOptimizer(dir, { learned, metaParams: phi });
        },
        load: (dir) => {
          const l = loadNtmBfgsOptimizer(dir);
          return l.learned.withMetaParams(l.metaParams);
        },
      },
    },
    { describe, it },
  );
}
