import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { disposeMap, initEngine, metaTrain } from '@l2o/core';
import { registerNodeKernelThreads } from '@l2o/optimizer-lstm/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_TASK, phiBits, tinyTrainOptions } from './test-fixtures/tiny-run.mjs';
import { threadExecutor } from './thread-executor.js';

const tinyRun = join(dirname(fileURLToPath(import.meta.url)), 'test-fixtures', 'tiny-run.mjs');

beforeAll(async () => {
  await initEngine('wasm');
  // The worker threads load @l2o/optimizer-lstm through Node's `node` condition, which runs its fused kernels on two
  // threads; the in-process reference must too (vitest loads the package's sources, without that condition).
  registerNodeKernelThreads();
});

describe('threadExecutor', () => {
  it('gives the same φ, bit for bit, as the in-process run', async () => {
    const local = await metaTrain(tinyTrainOptions());
    const executor = threadExecutor({ threads: 2, module: tinyRun, exportName: 'resolveTinyRun', task: TINY_TASK });
    const threaded = await metaTrain(tinyTrainOptions({ executor }));
    executor.dispose();
    expect(phiBits(threaded.lastMetaParams)).toEqual(phiBits(local.lastMetaParams));
    for (const r of [local, threaded]) {
      disposeMap(r.metaParams);
      disposeMap(r.lastMetaParams);
    }
  });

  it('names the module when it does not export the resolver', async () => {
    const executor = threadExecutor({ threads: 1, module: tinyRun, exportName: 'nope', task: TINY_TASK });
    await expect(metaTrain(tinyTrainOptions({ executor }))).rejects.toThrow(/tiny-run\.mjs exports no function "nope"/);
    executor.dispose();
    expect(() => threadExecutor({ threads: 0, module: tinyRun, task: TINY_TASK })).toThrow(
      /threads: must be a positive integer, got 0/,
    );
  });
});
