import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeDependencies } from '../../../tools/module-graph.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

describe('platform-neutral main entry', () => {
  it('no source reachable from @l2o/report imports a Node built-in or uses process unguarded', async () => {
    const graph = await nodeDependencies(join(HERE, 'index.ts'));
    expect(graph.files.some((f) => f.endsWith('plot-svg.ts'))).toBe(true);
    expect(graph.builtins).toEqual([]);
    expect(graph.processUses).toEqual([]);
  });
});
