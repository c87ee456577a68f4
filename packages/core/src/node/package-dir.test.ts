import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDir } from './package-dir.js';

describe('packageDir', () => {
  it('returns the folder holding the package.json of an installed package', () => {
    const dir = packageDir('@tensorflow/tfjs');
    const file = join(dir, 'package.json');
    expect(existsSync(file)).toBe(true);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { name: string }).name).toBe('@tensorflow/tfjs');
  });

  it('names the missing package, the prefix and the dependent in its error', () => {
    expect(() => packageDir('l2o-no-such-package-xyz', { where: 'demo', requiredBy: '@l2o/demo' })).toThrow(
      /^demo: cannot find the "l2o-no-such-package-xyz" package \(a dependency of @l2o\/demo\): /,
    );
    expect(() => packageDir('l2o-no-such-package-xyz')).toThrow(
      /^l2o-no-such-package-xyz: cannot find the "l2o-no-such-package-xyz" package: /,
    );
  });
});
