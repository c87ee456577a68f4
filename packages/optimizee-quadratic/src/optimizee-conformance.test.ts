import { initEngine } from '@l2o/core';
import { registerOptimizeeConformance } from '@l2o/core/testing';
import { beforeAll, describe, it } from 'vitest';
import { conditionedQuadraticFamily } from './conditioned-quadratic-family.js';
import { quadraticFamily } from './quadratic-family.js';

beforeAll(async () => {
  await initEngine('wasm');
});

registerOptimizeeConformance(
  {
    name: 'quadratic',
    make: () => quadraticFamily({ dim: 6, functions: 2 }),
    badOptions: [
      { field: 'quadratic.dim', make: () => quadraticFamily({ dim: 0 }) },
      { field: 'quadratic.initStd', make: () => quadraticFamily({ initStd: -1 }) },
    ],
  },
  { describe, it },
);

registerOptimizeeConformance(
  {
    name: 'conditionedQuadratic',
    make: () => conditionedQuadraticFamily({ dim: 6, condition: 10, functions: 2 }),
    badOptions: [
      { field: '.condition', make: () => conditionedQuadraticFamily({ condition: 0.5 }) },
      { field: 'unknown option "cond"', make: () => conditionedQuadraticFamily({ cond: 2 } as never) },
    ],
  },
  { describe, it },
);
