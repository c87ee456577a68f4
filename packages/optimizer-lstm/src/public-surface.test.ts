import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportNames } from '../../../tools/export-names.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Every exported name is a semver promise; the fused kernels' internals stay private. */
const MAX_MAIN_EXPORTS = 35;
const PRIVATE = ['createFusedLstm', 'beginFusedLstmUnroll', 'withFusedLstmUnroll', 'momentInputs'];

describe('public surface of @l2o/optimizer-lstm', () => {
  const [main, extend] = exportNames([join(HERE, 'index.ts'), join(HERE, 'extend.ts')]) as [string[], string[]];

  it(`the main entry exports at most ${MAX_MAIN_EXPORTS} names, none of the fused kernels' internals`, () => {
    expect(main.length, `@l2o/optimizer-lstm exports ${main.length} names: ${main.join(' ')}`).toBeLessThanOrEqual(
      MAX_MAIN_EXPORTS,
    );
    expect(main).toContain('lstmOptimizer');
    for (const name of PRIVATE) {
      expect(main).not.toContain(name);
      expect(extend).not.toContain(name);
    }
  });

  it('the extend entry holds what other learned optimizers reuse and repeats no main name', () => {
    expect(extend.filter((n) => main.includes(n))).toEqual([]);
    for (const name of [
      'coordinatewiseOptimizer',
      'lstmCell',
      'checkConfigFields',
      'acquireFusedLstm',
      'suffixAdjoints',
    ])
      expect(extend).toContain(name);
  });
});
