import { beforeAll, describe, it } from 'vitest';
import { initEngine, Rng } from '@l2o/core';
import { registerConformance } from '@l2o/core/testing';
import { lstmOptimizer } from './index.js';
import { loadLstmOptimizer, saveLstmOptimizer } from './node.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const learned = lstmOptimizer();
const phi = learned.initMetaParams(Rng.seeded(42));

registerConformance(
  {
    name: 'lstm',
    make: () => learned.withMetaParams(phi),
    learned,
    saveLoad: {
      save: (dir) => {
        saveLstmOptimizer(dir, { learned, metaParams: phi });
      },
      load: (dir) => {
        const l = loadLstmOptimizer(dir);
        return l.learned.withMetaParams(l.metaParams);
      },
    },
  },
  { describe, it },
);

// The fused inference optimizer (evaluation path) must honour the same contract.
registerConformance(
  {
    name: 'lstm (fused inference)',
    make: () => learned.inferenceOptimizer!(phi),
    learned,
  },
  { describe, it },
);

// The stateful 'log-sign-moments' inputs (running statistics in the state), on both paths.
const moments = lstmOptimizer({ preprocessing: 'log-sign-moments', outputScale: 0.01 });
const momentsPhi = moments.initMetaParams(Rng.seeded(43));
registerConformance(
  {
    name: 'lstm log-sign-moments',
    make: () => moments.withMetaParams(momentsPhi),
    learned: moments,
    saveLoad: {
      save: (dir) => {
        saveLstmOptimizer(dir, { learned: moments, metaParams: momentsPhi });
      },
      load: (dir) => {
        const l = loadLstmOptimizer(dir);
        return l.learned.withMetaParams(l.metaParams);
      },
    },
  },
  { describe, it },
);
registerConformance(
  {
    name: 'lstm log-sign-moments (fused inference)',
    make: () => moments.inferenceOptimizer!(momentsPhi),
    learned: moments,
  },
  { describe, it },
);
