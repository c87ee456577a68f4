/**
 * Versions are injected at build from the package.json files (tools/tsup-base.ts), never written in code: the
 * built `l2o --version` and the built @l2o/core's `L2O_CORE_VERSION` (written into every artifact) equal their
 * package.json's `version`, in both module formats. Runs against the builds (`npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { L2O_CORE_VERSION } from '@l2o/core/extend';
import { CLI_VERSION } from './version.js';

const CLI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const versionOf = (dir: string): string =>
  (JSON.parse(readFileSync(join(CLI_DIR, '..', dir, 'package.json'), 'utf8')) as { version: string }).version;

/** Runs node in packages/cli, where `@l2o/*` resolve to their built dist/ (no source condition). */
function node(args: readonly string[]): string {
  const r = spawnSync(process.execPath, args, { cwd: CLI_DIR, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('versions injected at build', () => {
  it('in source mode (tests), the injected constants are the package.json versions', () => {
    expect(CLI_VERSION).toBe(versionOf('cli'));
    expect(L2O_CORE_VERSION).toBe(versionOf('core'));
  });

  it('the built l2o --version and the built L2O_CORE_VERSION (ESM and CJS) equal package.json', () => {
    const bin = join(CLI_DIR, 'dist', 'bin.cjs');
    expect(existsSync(bin), `${bin} is missing; build first (npm run build)`).toBe(true);
    expect(node([bin, '--version'])).toBe(versionOf('cli'));
    const esm = node([
      '--input-type=module',
      '-e',
      "const m = await import('@l2o/core/extend'); console.log(m.L2O_CORE_VERSION);",
    ]);
    const cjs = node(['-e', "console.log(require('@l2o/core/extend').L2O_CORE_VERSION);"]);
    expect(esm).toBe(versionOf('core'));
    expect(cjs).toBe(versionOf('core'));
    // Injected, not the source-run fallback.
    expect(readFileSync(join(CLI_DIR, '..', 'core', 'src', 'version.ts'), 'utf8')).not.toContain(
      `'${versionOf('core')}'`,
    );
  });
});
