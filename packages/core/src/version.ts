// Injected at build by tsup and in tests by vitest from packages/core/package.json (tools/tsup-base.ts).
declare const __L2O_VERSION_CORE__: string | undefined;

/**
 * Version of @l2o/core, written into artifacts and checked by distributed workers: package.json's `version`,
 * injected at build time (a source run without the injection — e.g. plain `tsx` — reads `0.0.0-source`).
 */
export const L2O_CORE_VERSION: string =
  typeof __L2O_VERSION_CORE__ === 'string' ? __L2O_VERSION_CORE__ : '0.0.0-source';
