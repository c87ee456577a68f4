import { beforeAll, describe, it } from 'vitest';
import { initEngine, Rng } from '@l2o/core';
import { registerConformance } from '@l2o/core/testing';
import { gacOptimizer } from './index.js';
import { loadGacOptimizer, saveGacOptimizer } from './node.js';

beforeAll(async () => {
  await initEngine('wasm');
});

for (const averaging of ['all', 'per-tensor'] as const) {
  const learned = gacOptimizer({ averaging });
  const phi = learned.initMetaParams(Rng.seeded(42));
  registerConformance(
    {
      name: `lstm-gac (${averaging})`,
      make: () => learned.withMetaParams(phi),
      learned,
      saveLoad: {
        save: (dir) => {
          saveGacOptimizer(dir, { learned, metaParams: phi });
        },
        load: (dir) => {
          const l = loadGacOptimizer(dir);
          return l.learned.withMetaParams(l.metaParams);
        },
      },
    },
    { describe, it },
  );
}
