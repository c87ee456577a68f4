import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Options } from 'tsup';

/**
 * Every workspace package's version from its package.json, as global constants `__L2O_VERSION_<DIR>__` (the
 * folder name upper-cased, `-` as `_`: `__L2O_VERSION_CORE__`, `__L2O_VERSION_CLI__`), injected into builds by
 * tsup and into tests by vitest, so no version is written in code (see packages/core/src/version.ts). One name
 * per package: a test that loads a sibling's sources gets the sibling's version, not its own.
 */
export function packageVersionDefines(): Record<string, string> {
  // The repository root: the nearest folder up from where tsup or vitest runs that holds nx.json.
  let root = resolve(process.cwd());
  while (!existsSync(join(root, 'nx.json'))) {
    const up = dirname(root);
    if (up === root) throw new Error(`no nx.json above ${process.cwd()}`);
    root = up;
  }
  const packages = join(root, 'packages');
  const out: Record<string, string> = {};
  for (const dir of readdirSync(packages)) {
    const file = join(packages, dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown };
    if (typeof pkg.version !== 'string') throw new Error(`${file}: no "version" string`);
    out[`__L2O_VERSION_${dir.toUpperCase().replace(/-/g, '_')}__`] = JSON.stringify(pkg.version);
  }
  return out;
}

/**
 * Shared tsup settings: ESM + CJS + .d.ts for every package, one entry per public subpath. `external` names
 * modules left as imports; a package's Node entry imports its own main entry by name (listed here), so both
 * share one copy of its classes and registries. Package versions are injected from the package.json files.
 */
export function packageBuild(entry: Record<string, string>, external: readonly string[] = []): Options {
  return {
    entry,
    external: [...external],
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    define: packageVersionDefines(),
  };
}
