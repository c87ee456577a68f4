import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { L2oError } from '@l2o/core';

/** A `require` for resolving packages, in both the ESM and the CJS build of this module. */
function localRequire(): NodeJS.Require {
  // CJS build: `require` is the module's own. ESM: derive one from this file's URL.
  if (typeof require === 'function' && typeof require.resolve === 'function') return require;
  const url = (import.meta as { url?: string }).url;
  return createRequire(url ?? join(process.cwd(), 'noop.js'));
}

/** Where {@link packageDir} reports a missing package. */
export interface PackageDirContext {
  /** Prefix of the error message, e.g. `"mnist"`. Default: the package name. */
  readonly where?: string;
  /** The package that depends on it, named in the error message, e.g. `"@l2o/optimizee-mnist"`. */
  readonly requiredBy?: string;
}

/**
 * The folder of the installed npm package `name` (the one holding its `package.json`), resolved with Node's
 * module resolution in both the ESM and the CJS build. Throws an Error naming the package when it is not installed.
 */
export function packageDir(name: string, context: PackageDirContext = {}): string {
  let pkg: string;
  try {
    pkg = localRequire().resolve(`${name}/package.json`);
  } catch (e) {
    const dependent = context.requiredBy === undefined ? '' : ` (a dependency of ${context.requiredBy})`;
    throw new L2oError(
      'NOT_FOUND',
      `${context.where ?? name}: cannot find the "${name}" package${dependent}: ${
        e instanceof Error ? e.message.split('\n')[0] : String(e)
      }`,
      { cause: e },
    );
  }
  return dirname(pkg);
}
