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

describe('no test helpers in the tarballs (tools/check-packages.mjs --tarball-contents)', () => {
  const contents = (root: string) => {
    const r = spawnSync(process.execPath, [TOOL, '--tarball-contents', '--root', root], { encoding: 'utf8' });
    return { code: r.status, out: r.stdout + r.stderr };
  };

  it('passes on this repository', () => {
    const r = contents(REPO);
    expect(r.code, r.out).toBe(0);
  });

  it('fails on a package whose "files" let test fixtures, support files or fixture data through', () => {
    const root = mkdtempSync(join(tmpdir(), 'l2o-tarball-'));
    try {
      const dir = join(root, 'packages', 'leaky');
      mkdirSync(join(dir, 'src', 'test-fixtures'), { recursive: true });
      writeFileSync(
        join(dir, 'package.json'),
        JSON.stringify({ name: '@l2o/leaky', version: '0.0.0', files: ['src', '!src/**/*.test.ts'] }),
      );
      for (const f of ['index.ts', 'index.test.ts', 'test-support.ts', 'x.fixture.json', 'test-fixtures/run.mjs']) {
        writeFileSync(join(dir, 'src', f), '{}\n');
      }
      const r = contents(root);
      expect(r.code).toBe(1);
      expect(r.out).toContain('packages/leaky: the tarball holds test helpers');
      for (const f of ['src/test-support.ts', 'src/x.fixture.json', 'src/test-fixtures/run.mjs'])
        expect(r.out).toContain(f);
      expect(r.out).not.toContain('src/index.ts');
      expect(r.out).not.toContain('index.test.ts');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
