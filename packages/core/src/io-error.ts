import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** Plain words for the file-system error codes a user meets; the code itself is kept in the message too. */
const REASONS: Readonly<Record<string, string>> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is a file, not a directory',
  ENOENT: 'no such file or directory',
  EEXIST: 'it already exists',
  ENOTEMPTY: 'the directory is not empty',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  EBUSY: 'the resource is busy',
};

/**
 * A file-system error that names the path it concerns and what was being done to it. `code` is Node's error
 * code (`EROFS`, `ENOSPC`, …) when the cause had one. Thrown by l2o's file helpers (atomic writes, checkpoints,
 * artifacts, run locks), so a caller such as the CLI can tell I/O failures from other errors and add the flag
 * the path came from.
 */
export class L2oIoError extends Error {
  readonly path: string;
  readonly code: string | undefined;
  readonly operation: string;
  /** The message without the `cannot <operation> <path>: ` prefix. */
  readonly reason: string;

  constructor(operation: string, path: string, reason: string, code?: string) {
    super(`cannot ${operation} ${path}: ${reason}`);
    this.name = 'L2oIoError';
    this.operation = operation;
    this.path = path;
    this.reason = reason;
    this.code = code;
  }
}

function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** `cause` as an {@link L2oIoError} about `operation` on `path` (an L2oIoError passes through unchanged). */
export function ioError(operation: string, path: string, cause: unknown): L2oIoError {
  if (cause instanceof L2oIoError) return cause;
  const code = codeOf(cause);
  const known = code !== undefined ? REASONS[code] : undefined;
  let reason: string;
  if (known !== undefined) reason = `${known} (${code})`;
  else if (cause instanceof Error) reason = cause.message;
  else reason = String(cause);
  return new L2oIoError(operation, path, reason, code);
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
