import { initEngine } from '@l2o/core';
import { registerOptimizeeConformance } from '@l2o/core/testing';
import { beforeAll, describe, it } from 'vitest';
import { mnistAutoencoderFamily } from './autoencoder-family.js';
import { mnistMlpFamily } from './mlp-family.js';

beforeAll(async () => {
  await initEngine('wasm');
});

registerOptimizeeConformance(
  {
    name: 'mnistMlp',
    make: () => mnistMlpFamily({ hidden: [8], activation: 'tanh', batchSize: 16, imageSide: 8, l2: 1e-3 }),
    badOptions: [
      { field: 'mnistMlp.batchSize', make: () => mnistMlpFamily({ batchSize: 0 }) },
      { field: 'mnistMlp.l2', make: () => mnistMlpFamily({ l2: -1 }) },
      { field: 'mnistMlp.split', make: () => mnistMlpFamily({ split: 'dev' as never }) },
    ],
  },
  { describe, it },
);

registerOptimizeeConformance(
  {
    name: 'mnistAutoencoder',
    make: () => mnistAutoencoderFamily({ hidden: [6], batchSize: 8, imageSide: 8 }),
    badOptions: [{ field: '.batchSize', make: () => mnistAutoencoderFamily({ batchSize: 2.5 }) }],
  },
  { describe, it },
);
