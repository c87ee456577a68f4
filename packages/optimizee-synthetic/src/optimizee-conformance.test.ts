import { initEngine } from '@l2o/core';
import { registerOptimizeeConformance } from '@l2o/core/testing';
import { beforeAll, describe, it } from 'vitest';
import { rastriginFamily } from './rastrigin.js';
import { rosenbrockFamily } from './rosenbrock.js';
import { styblinskiTangFamily } from './styblinski-tang.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const families = [
  ['rosenbrock', rosenbrockFamily],
  ['rastrigin', rastriginFamily],
  ['styblinskiTang', styblinskiTangFamily],
] as const;

for (const [name, family] of families) {
  registerOptimizeeConformance(
    {
      name,
      make: () => family({ dim: 4, functions: 2 }),
      // Rastrigin's cos(2πx) term curves fast: a smaller step keeps the central difference's error small.
      finiteDifferenceStep: name === 'rastrigin' ? 2e-3 : 1e-2,
      badOptions: [
        { field: '.dim', make: () => family({ dim: 0 }) },
        { field: '.functions', make: () => family({ functions: 1.5 }) },
        { field: 'unknown option "size"', make: () => family({ size: 3 } as never) },
      ],
    },
    { describe, it },
  );
}
