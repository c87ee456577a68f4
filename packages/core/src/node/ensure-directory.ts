import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { L2oIoError } from '@l2o/core';
import { ioError } from '@l2o/core/extend';

function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** The nearest existing ancestor of `path` (itself if it exists). */
function nearestExisting(path: string): string {
  let p = resolve(path);
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) return p;
    p = up;
  }
  return p;
}

/**
 * Creates the directory `dir` and its missing parents. Errors name `dir` and the real cause: Node's recursive
 * mkdir reports a read-only file system (or a permission problem) as ENOENT; this retries the first missing
 * component alone to find out. A path that exists as a file is an error too.
 */
export function ensureDirectory(dir: string): void {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) {
      throw new L2oIoError('create directory', target, 'it exists and is not a directory', 'ENOTDIR');
    }
    return;
  }
  try {
    mkdirSync(target, { recursive: true });
    return;
  } catch (e) {
    if (codeOf(e) !== 'ENOENT') throw ioError('create directory', target, e);
    // Find the first component that does not exist and create it alone: its error is the true one.
    const base = nearestExisting(target);
    let first = target;
    while (dirname(first) !== base && dirname(first) !== first) first = dirname(first);
    try {
      mkdirSync(first);
    } catch (inner) {
      if (codeOf(inner) !== 'EEXIST') throw ioError('create directory', target, inner);
    }
    try {
      mkdirSync(target, { recursive: true });
    } catch (again) {
      throw ioError('create directory', target, again);
    }
  }
}
