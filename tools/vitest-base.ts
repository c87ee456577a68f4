import type { ViteUserConfig } from 'vitest/config';
import { packageVersionDefines } from './tsup-base.ts';

/**
 * Shared vitest settings: resolve sibling packages from their sources, not their builds; package
 * versions injected as at build (`__L2O_VERSION_<DIR>__`).
 */
export function vitestBase(): ViteUserConfig {
  return {
    define: packageVersionDefines(),
    resolve: { conditions: ['@l2o/source'] },
    ssr: { resolve: { conditions: ['@l2o/source'] } },
    test: {
      environment: 'node',
      include: ['src/**/*.test.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
      pool: 'forks',
    },
  };
}
