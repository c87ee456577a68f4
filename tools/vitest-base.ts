import type { ViteUserConfig } from 'vitest/config';

/** Shared vitest settings: resolve sibling packages from their sources, not their builds. */
export function vitestBase(): ViteUserConfig {
  return {
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
