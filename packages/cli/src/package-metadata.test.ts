/**
 * `tools/check-packages.mjs --metadata-only`: every published package names the project's home (repository with
 * its directory, homepage, bugs), ships the MIT LICENSE, and links docs by absolute URL (relative links to
 * ../../docs are dead on npm).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TOOL = join(REPO, 'tools', 'check-packages.mjs');

function check(root: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [TOOL, '--metadata-only', '--root', root], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('package metadata (tools/check-packages.mjs --metadata-only)', () => {
  it('passes on this repository: the root LICENSE is MIT, 2026 l2o contributors', () => {
    expect(readFileSync(join(REPO, 'LICENSE'), 'utf8')).toMatch(
      /^MIT License\n\nCopyright \(c\) 2026 l2o contributors\n/,
    );
    const r = check(REPO);
    expect(r.code, r.out).toBe(0);
  });

  it('fails on a package without repository, homepage, bugs, LICENSE, or with a relative docs link', () => {
    const root = mkdtempSync(join(tmpdir(), 'l2o-metadata-'));
    try {
      writeFileSync(join(root, 'LICENSE'), 'MIT License\n');
      mkdirSync(join(root, 'packages', 'bare'), { recursive: true });
      writeFileSync(
        join(root, 'packages', 'bare', 'package.json'),
        JSON.stringify({ name: '@l2o/bare', license: 'MIT', files: ['dist'] }),
      );
      writeFileSync(join(root, 'packages', 'bare', 'README.md'), 'See [the docs](../../docs/x.md).\n');
      const r = check(root);
      expect(r.code).toBe(1);
      for (const field of [
        '"repository"',
        '"repository.directory"',
        '"homepage"',
        '"bugs"',
        '"files" must list "LICENSE"',
      ]) {
        expect(r.out).toContain(field);
      }
      expect(r.out).toContain('LICENSE must exist');
      expect(r.out).toContain('../../docs/x.md');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
