import type { Options } from 'tsup';

/**
 * Shared tsup settings: ESM + CJS + .d.ts for every package, one entry per public subpath. `external` names
 * modules left as imports; a package's Node entry imports its own main entry by name (listed here), so both
 * share one copy of its classes and registries.
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
  };
}
