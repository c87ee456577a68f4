#!/usr/bin/env node
// Checks every publishable package as a consumer would get it: its metadata (repository, homepage, bugs,
// license and LICENSE file, README links that work on npm), publint --strict and attw on the packed tarball,
// then installs all tarballs into an empty folder and loads each package by both require and import; no tarball
// may hold a file that exists only for tests. `--metadata-only [--root <repo>]` runs the metadata checks alone,
// `--tarball-contents [--root <repo>]` the test-helper check alone on `npm pack --dry-run` (both used by tests).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The project's home: every package points there. */
const HOME = 'https://github.com/l2o-js/l2o';

/** What a published package.json and its folder must carry; returns one message per problem. */
function metadataProblems(rootDir, dir) {
  const pkgDir = join(rootDir, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const where = `packages/${dir}`;
  const problems = [];
  const want = (ok, msg) => {
    if (!ok) problems.push(`${where}: ${msg}`);
  };
  want(pkg.license === 'MIT', `package.json field "license" must be "MIT", got ${JSON.stringify(pkg.license)}`);
  const repo = pkg.repository;
  want(
    repo && typeof repo === 'object' && repo.type === 'git' && repo.url === `git+${HOME}.git`,
    `package.json field "repository" must be { "type": "git", "url": "git+${HOME}.git", "directory": "${where}" }`,
  );
  want(repo?.directory === where, `package.json field "repository.directory" must be "${where}"`);
  want(
    typeof pkg.homepage === 'string' && pkg.homepage.startsWith(HOME),
    `package.json field "homepage" must be a page of ${HOME}`,
  );
  want(pkg.bugs?.url === `${HOME}/issues`, `package.json field "bugs" must be { "url": "${HOME}/issues" }`);
  want(Array.isArray(pkg.files) && pkg.files.includes('LICENSE'), 'package.json field "files" must list "LICENSE"');
  const license = join(pkgDir, 'LICENSE');
  want(
    existsSync(license) && readFileSync(license, 'utf8') === readFileSync(join(rootDir, 'LICENSE'), 'utf8'),
    'LICENSE must exist and equal the repository root LICENSE',
  );
  const readme = join(pkgDir, 'README.md');
  if (existsSync(readme)) {
    const relative = [...readFileSync(readme, 'utf8').matchAll(/\]\((\.\.\/[^)]*)\)/g)].map((m) => m[1]);
    want(
      relative.length === 0,
      `README.md links outside the package by relative path (dead on npm): ${relative.join(', ')}; link ${HOME}/… instead`,
    );
  }
  return problems;
}

/**
 * Files that exist only for tests: `*.test.*`, `test-fixtures` (files or folders), `*test-support.*`,
 * `*.fixture.*`. None may be in a published tarball (exclude them in package.json "files").
 */
const TEST_HELPER =
  /(^|\/)([^/]*\.test\.[^/]+|[^/]*test-fixtures[^/]*|[^/]*test-support\.[^/]+|[^/]*\.fixture\.[^/]+)(\/|$)/;

/** The test helpers among a tarball's file paths (relative to the package folder). */
function testHelpers(paths) {
  return paths.filter((p) => TEST_HELPER.test(p));
}

/** `npm pack --dry-run` of a package folder: the paths its tarball would hold. */
function packedPaths(pkgDir) {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: pkgDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  return JSON.parse(out)[0].files.map((f) => f.path);
}

const args = process.argv.slice(2);
if (args.includes('--tarball-contents')) {
  // Only the test-helper check, on `npm pack --dry-run` of every package (no build needed; used by a test).
  const i = args.indexOf('--root');
  const rootDir = resolve(i >= 0 ? args[i + 1] : join(import.meta.dirname, '..'));
  let bad = 0;
  for (const d of readdirSync(join(rootDir, 'packages')).sort()) {
    const pkgDir = join(rootDir, 'packages', d);
    if (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).private) continue;
    const helpers = testHelpers(packedPaths(pkgDir));
    if (helpers.length > 0) {
      bad++;
      console.log(
        `FAIL packages/${d}: the tarball holds test helpers (exclude them in "files"): ${helpers.join(', ')}`,
      );
    }
  }
  if (bad > 0) process.exit(1);
  console.log('ok   no test helpers in the tarballs');
  process.exit(0);
}
if (args.includes('--metadata-only')) {
  const i = args.indexOf('--root');
  const rootDir = resolve(i >= 0 ? args[i + 1] : join(import.meta.dirname, '..'));
  const problems = readdirSync(join(rootDir, 'packages'))
    .sort()
    .filter((d) => !JSON.parse(readFileSync(join(rootDir, 'packages', d, 'package.json'), 'utf8')).private)
    .flatMap((d) => metadataProblems(rootDir, d));
  for (const p of problems) console.log(`FAIL ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log('ok   package metadata');
  process.exit(0);
}

const root = resolve(import.meta.dirname, '..');
const pkgsDir = join(root, 'packages');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });

const work = mkdtempSync(join(tmpdir(), 'l2o-pack-'));
const tarballs = [];
const names = [];
let failed = 0;
try {
  for (const dir of readdirSync(pkgsDir).sort()) {
    const pkgDir = join(pkgsDir, dir);
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
    if (pkg.private) continue;
    const problems = metadataProblems(root, dir);
    for (const p of problems) console.log(`FAIL ${p}`);
    failed += problems.length;
    if (problems.length === 0) console.log(`ok   metadata ${pkg.name}`);
    const out = run('npm', ['pack', '--silent', '--pack-destination', work], pkgDir).trim().split('\n').pop();
    const tgz = join(work, out);
    tarballs.push(tgz);
    names.push(pkg.name);
    const listing = run('tar', ['-tzf', tgz], work).split('\n');
    if (!listing.includes('package/LICENSE')) {
      failed++;
      console.log(`FAIL ${pkg.name}: the packed tarball has no LICENSE`);
    }
    const helpers = testHelpers(listing.filter((p) => p.startsWith('package/')).map((p) => p.slice(8)));
    if (helpers.length > 0) {
      failed++;
      console.log(`FAIL ${pkg.name}: the packed tarball holds test helpers: ${helpers.join(', ')}`);
    }
    for (const [tool, args] of [
      ['publint', ['--strict', pkgDir]],
      ['attw', ['--pack', pkgDir, '--profile', 'node16', '--format', 'table-flipped']],
    ]) {
      try {
        run(bin(tool), args, root);
        console.log(`ok   ${tool} ${pkg.name}`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${tool} ${pkg.name}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
    }
  }
  // Install every tarball into an empty project, as a user would, and load each package both ways.
  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, version: '0.0.0' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--omit=optional', ...tarballs], app);
  for (const name of names) {
    const cjs = `const m = require(${JSON.stringify(name)}); if (Object.keys(m).length === 0) throw new Error('no exports');`;
    const esm = `const m = await import(${JSON.stringify(name)}); if (Object.keys(m).length === 0) throw new Error('no exports');`;
    try {
      run('node', ['-e', cjs], app);
      run('node', ['--input-type=module', '-e', esm], app);
      console.log(`ok   install+require+import ${name}`);
    } catch (e) {
      failed++;
      console.log(`FAIL install+require+import ${name}\n${e.stderr ?? e.message}`);
    }
  }
  try {
    const help = run('node', [join(app, 'node_modules', '.bin', 'l2o'), '--help'], app);
    if (!help.includes('Usage: l2o')) throw new Error(help);
    console.log('ok   installed l2o --help');
  } catch (e) {
    failed++;
    console.log(`FAIL installed l2o --help\n${e.stderr ?? e.message}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (failed > 0) {
  console.log(`${failed} package check(s) failed`);
  process.exit(1);
}
console.log('all package checks passed');
