import type { Options } from 'tsup';

/** Shared tsup settings: ESM + CJS + .d.ts for every package, one entry per public subpath. */
export function packageBuild(entry: Record<string, string>): Options {
  return {
    entry,
    format: ['esm', 'cjs'],
    dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
  };
}
