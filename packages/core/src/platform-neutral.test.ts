import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeDependencies } from '../../../tools/module-graph.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

describe('platform-neutral main entry', () => {
  it('no source reachable from @l2o/core imports a Node built-in or uses process unguarded', async () => {
    const graph = await nodeDependencies(join(HERE, 'index.ts'));
    expect(graph.files.some((f) => f.endsWith('meta-train.ts'))).toBe(true);
    expect(graph.builtins).toEqual([]);
    expect(graph.processUses).toEqual([]);
  });

  it('nor from @l2o/core/extend (plugins run in every runtime too)', async () => {
    const graph = await nodeDependencies(join(HERE, 'extend.ts'));
    expect(graph.files.some((f) => f.endsWith('serialization.ts'))).toBe(true);
    expect(graph.builtins).toEqual([]);
    expect(graph.processUses).toEqual([]);
  });

  it('the walk sees Node built-ins where they are (the Node entry)', async () => {
    const graph = await nodeDependencies(join(HERE, 'node.ts'));
    expect(graph.builtins.some((b) => b.endsWith('→ node:fs'))).toBe(true);
    expect(graph.processUses.length).toBeGreaterThan(0);
  });
});
