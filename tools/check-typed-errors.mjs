// Finds `throw new Error(` in the non-test TypeScript sources of the packages: l2o throws L2oError (from
// @l2o/core) with a stable code instead. Run as a script it lists the hits and exits 1 when there are any;
// packages/core/src/typed-errors.test.ts runs it in CI.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Files allowed to throw untyped errors, by path suffix (none: every package throws L2oError). */
export const UNTYPED_THROW_EXEMPT = [];

function walk(dir, out) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** `path:line: text` for every `throw new Error(` in `root`/packages/<name>/src, exempt files left out. */
export function untypedThrows(root, exempt = UNTYPED_THROW_EXEMPT) {
  const hits = [];
  const packages = join(root, 'packages');
  for (const name of readdirSync(packages).sort()) {
    let files;
    try {
      files = walk(join(packages, name, 'src'), []);
    } catch {
      continue;
    }
    for (const file of files.sort()) {
      const rel = relative(root, file).split(sep).join('/');
      if (exempt.some((x) => rel.endsWith(x))) continue;
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((text, i) => {
        if (/\bthrow new Error\(/.test(text)) hits.push(`${rel}:${i + 1}: ${text.trim()}`);
      });
    }
  }
  return hits;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const hits = untypedThrows(join(fileURLToPath(import.meta.url), '..', '..'));
  for (const h of hits) console.error(h);
  if (hits.length > 0) {
    console.error(`${hits.length} untyped throw(s): use throw new L2oError(code, message, { cause }) from @l2o/core`);
    process.exit(1);
  }
  console.log('no untyped throws');
}
