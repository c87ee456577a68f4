import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { partitionOptimizer } from './partition-optimizer.js';
import { scale } from './scale.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

// Routing, state and errors of partitionOptimizer are tested in ../partition.test.ts; here: its config.
describe('partitionOptimizer as a transform', () => {
  it('routes each group to its transform and records every group in its config', () => {
    const opt = partitionOptimizer({
      groups: [
        { name: 'w', match: /w$/i, optimizer: scale(2) },
        { name: 'rest', match: (n) => !/w$/i.test(n), optimizer: scale(-1) },
      ],
    });
    expect(runSteps(opt, { w: [0], b: [0] }, [{ w: [1], b: [1] }]).updates).toEqual([{ w: [2], b: [-1] }]);
    // A predicate matcher cannot be written as JSON.
    expect(opt.config).toBeUndefined();
    const described = partitionOptimizer({
      groups: [
        { name: 'w', match: /w$/i, optimizer: scale(2) },
        { name: 'rest', match: /^b/, optimizer: scale(-1) },
      ],
    });
    expect(described.config).toEqual({
      name: 'partitionOptimizer',
      groups: [
        { name: 'w', pattern: 'w$', flags: 'i', optimizer: { name: 'scale', factor: 2 } },
        { name: 'rest', pattern: '^b', flags: '', optimizer: { name: 'scale', factor: -1 } },
      ],
    });
  });
});
