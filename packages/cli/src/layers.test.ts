/**
 * `tools/check-layers.mjs`: the layer tags of the package.json files are enforced — a package depends (in its
 * package.json and in its imports) only on lower layers, or on the listed arrows within its own.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAYERS, layerProblems } from '../../../tools/check-layers.mjs';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('layer boundaries (tools/check-layers.mjs)', () => {
  it('this repository keeps them', () => {
    expect(layerProblems(REPO)).toEqual([]);
    expect(LAYERS).toEqual(['core', 'plugin', 'benchmark', 'cli', 'app']);
  });

  describe('on a made-up repository', () => {
    let root = '';
    const write = (dir: string, pkg: object, files: Record<string, string> = {}): void => {
      mkdirSync(join(root, 'packages', dir, 'src'), { recursive: true });
      writeFileSync(join(root, 'packages', dir, 'package.json'), JSON.stringify(pkg));
      for (const [f, text] of Object.entries(files)) writeFileSync(join(root, 'packages', dir, 'src', f), text);
    };
    const tagged = (name: string, layer: string, fields: object = {}): object => ({
      name,
      nx: { tags: [`layer:${layer}`] },
      ...fields,
    });

    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'l2o-layers-'));
      write('core', tagged('@l2o/core', 'core'));
      write('cli', tagged('@l2o/cli', 'cli', { dependencies: { '@l2o/core': '0.1.0' } }));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    it('passes when every arrow points down', () => {
      write('opt', tagged('@l2o/opt', 'plugin', { dependencies: { '@l2o/core': '0.1.0' } }), {
        'index.ts': "import { chain } from '@l2o/core';\nimport { x } from '@l2o/core/extend';\n",
      });
      expect(layerProblems(root)).toEqual([]);
    });

    it('fails on a dependency or an import of a higher layer, of an unlisted sibling, or undeclared', () => {
      write('opt', tagged('@l2o/opt', 'plugin', { dependencies: { '@l2o/core': '0.1.0', '@l2o/cli': '0.1.0' } }));
      write('other', tagged('@l2o/other', 'plugin', { dependencies: { '@l2o/core': '0.1.0' } }), {
        'index.ts': "export { a } from '@l2o/opt';\n",
        'sneaky.ts': "const m = await import('@l2o/cli');\n",
      });
      write('core2', tagged('@l2o/core2', 'core'), { 'index.ts': "import { y } from '@l2o/opt/extend';\n" });
      const problems = layerProblems(root);
      expect(problems).toContain(
        'packages/opt/package.json dependencies: @l2o/opt (layer:plugin) must not depend on @l2o/cli of the higher layer:cli',
      );
      expect(problems).toContain(
        'packages/other/src/index.ts: @l2o/other must not depend on @l2o/opt of its own layer:plugin (not an allowed arrow in tools/check-layers.mjs)',
      );
      expect(problems).toContain(
        'packages/other/src/sneaky.ts: @l2o/other (layer:plugin) must not depend on @l2o/cli of the higher layer:cli',
      );
      expect(problems).toContain(
        'packages/core2/src/index.ts: @l2o/core2 (layer:core) must not depend on @l2o/opt of the higher layer:plugin',
      );
      expect(problems).toHaveLength(4);
    });

    it('lets a test use a sibling of its layer it declares, and flags an undeclared import', () => {
      write('opt', tagged('@l2o/opt', 'plugin', { dependencies: { '@l2o/core': '0.1.0' } }));
      write('other', tagged('@l2o/other', 'plugin', { devDependencies: { '@l2o/opt': '0.1.0' } }), {
        'other.test.ts': "import { a } from '@l2o/opt';\n",
        'index.ts': "import { chain } from '@l2o/core';\n",
      });
      expect(layerProblems(root)).toEqual([
        "packages/other/src/index.ts: imports @l2o/core, which @l2o/other's package.json does not declare in dependencies or peerDependencies",
      ]);
    });

    it('requires exactly one known layer tag', () => {
      write('odd', { name: '@l2o/odd', nx: { tags: ['layer:misc'] } });
      expect(layerProblems(root)).toEqual([
        'packages/odd: package.json "nx.tags" must hold exactly one of layer:core, layer:plugin, layer:benchmark, layer:cli, layer:app, got ["layer:misc"]',
      ]);
    });
  });
});
