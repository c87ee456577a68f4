import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportNames } from '../../../tools/export-names.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Every name of the main entry is a semver promise to users: at most this many (values and types). */
const MAX_MAIN_EXPORTS = 70;

describe('public surface of @l2o/core', () => {
  const [main, extend] = exportNames([join(HERE, 'index.ts'), join(HERE, 'extend.ts')]) as [string[], string[]];

  it(`the main entry exports at most ${MAX_MAIN_EXPORTS} names`, () => {
    expect(main.length, `@l2o/core exports ${main.length} names: ${main.join(' ')}`).toBeLessThanOrEqual(
      MAX_MAIN_EXPORTS,
    );
    // What a user of learned optimizers reaches for is there.
    for (const name of ['metaTrain', 'evaluate', 'initEngine', 'lossAndGrad', 'toTfOptimizer', 'chain', 'Rng']) {
      expect(main).toContain(name);
    }
  });

  it('the plugin-author entry (extend) repeats no name of the main entry and holds the codecs and checkers', () => {
    expect(extend.filter((n) => main.includes(n))).toEqual([]);
    for (const name of ['checkOptions', 'encodeArtifact', 'encodeContainer', 'crc32', 'encodeSlot']) {
      expect(extend).toContain(name);
      expect(main).not.toContain(name);
    }
  });
});
