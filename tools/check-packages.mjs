#!/usr/bin/env node
// Checks every publishable package as a consumer would get it: publint --strict and attw on the packed
// tarball, then installs all tarballs into an empty folder and loads each package by both require and import.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
    const out = run('npm', ['pack', '--silent', '--pack-destination', work], pkgDir).trim().split('\n').pop();
    const tgz = join(work, out);
    tarballs.push(tgz);
    names.push(pkg.name);
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
