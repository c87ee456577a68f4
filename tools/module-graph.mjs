// Walks the module graph of a package entry (its sources, through sibling packages' sources) with esbuild and
// reports what would stop it from running outside Node: imports of Node built-ins and unguarded `process.`.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Strips comments and string/template contents well enough for a `process.` scan of TypeScript sources. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:\\])\/\/.*$/gm, '$1')
    .replace(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"/g, "''")
    .replace(/`(?:\\.|[^`\\])*`/g, '``');
}

/**
 * The files reachable from `entry` (sources, resolved with the `@l2o/source` condition; `@tensorflow/*` left
 * out), the Node built-ins they import (`importer → module`) and the lines that use `process.` unguarded
 * (not as `globalThis.process?.` or `x.process`).
 */
export async function nodeDependencies(entry) {
  const builtins = [];
  const result = await build({
    entryPoints: [resolve(entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'neutral',
    format: 'esm',
    mainFields: ['module', 'main'],
    conditions: ['@l2o/source', 'import'],
    external: ['@tensorflow/*'],
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (!BUILTINS.has(args.path)) return undefined;
            builtins.push(`${args.importer} → ${args.path}`);
            return { path: args.path, external: true };
          });
        },
      },
    ],
  });
  const files = Object.keys(result.metafile.inputs).filter((f) => !f.includes('node_modules/@tensorflow'));
  const processUses = [];
  for (const f of files) {
    const lines = code(readFileSync(f, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (/(^|[^.\w?])process\s*\./.test(line) || /(^|[^.\w])require\s*\(/.test(line)) {
        processUses.push(`${f}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  return { files, builtins, processUses };
}
