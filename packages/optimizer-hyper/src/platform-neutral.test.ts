import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeDependencies } from '../../../tools/module-graph.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

describe('platform-neutral main entry', () => {
  it('no source reachable from @l2o/optimizer-hyper imports a Node built-in; its /node entry holds the file access', async () => {
    const main = await nodeDependencies(join(HERE, 'index.ts'));
    expect(main.builtins).toEqual([]);
    expect(main.processUses).toEqual([]);
    const node = await nodeDependencies(join(HERE, 'node.ts'));
    expect(node.builtins.some((b) => b.endsWith('→ node:fs'))).toBe(true);
  });
});
