// Injected at build by tsup and in tests by vitest from packages/cli/package.json (tools/tsup-base.ts).
declare const __L2O_VERSION_CLI__: string | undefined;

/** Version of the `l2o` command (`l2o --version`): package.json's `version`, injected at build time. */
export const CLI_VERSION: string = typeof __L2O_VERSION_CLI__ === 'string' ? __L2O_VERSION_CLI__ : '0.0.0-source';
