import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeDependencies } from '../../../tools/module-graph.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

describe('platform-neutral main entry', () => {
  it('no source reachable from @l2o/optimizer-lstm (through @l2o/core and @l2o/baselines) imports a Node built-in', async () => {
    const graph = await nodeDependencies(join(HERE, 'index.ts'));
    expect(graph.files.some((f) => f.endsWith('core/src/serialization.ts'))).toBe(true);
    expect(graph.files.some((f) => f.endsWith('fused/wasm-kernel.ts'))).toBe(true);
    expect(graph.builtins).toEqual([]);
    expect(graph.processUses).toEqual([]);
  });

  it('the Node entries are where worker_threads and the file system are', async () => {
    const main = await nodeDependencies(join(HERE, 'index-node.ts'));
    expect(main.builtins.some((b) => b.endsWith('→ node:worker_threads'))).toBe(true);
    const files = await nodeDependencies(join(HERE, 'node.ts'));
    expect(files.builtins.some((b) => b.endsWith('→ node:fs'))).toBe(true);
  });
});
