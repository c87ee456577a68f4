import { L2oError } from './l2o-error.js';

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
 * A file-system error that names the path it concerns and what was being done to it: an {@link L2oError} with
 * code `'IO'`. `systemCode` is Node's error code (`EROFS`, `ENOSPC`, …) when the cause had one. Thrown by l2o's
 * file helpers (atomic writes, checkpoints, artifacts, run locks), so a caller such as the CLI can tell I/O
 * failures from other errors and add the flag the path came from.
 */
export class L2oIoError extends L2oError {
  readonly path: string;
  /** Node's error code (`ENOENT`, `EROFS`, …) of the failure, when known. */
  readonly systemCode: string | undefined;
  readonly operation: string;
  /** The message without the `cannot <operation> <path>: ` prefix. */
  readonly reason: string;

  constructor(operation: string, path: string, reason: string, systemCode?: string, options?: { cause?: unknown }) {
    super('IO', `cannot ${operation} ${path}: ${reason}`, options);
    this.name = 'L2oIoError';
    this.operation = operation;
    this.path = path;
    this.reason = reason;
    this.systemCode = systemCode;
  }
}

function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** `cause` as an {@link L2oIoError} about `operation` on `path` (an L2oIoError passes through unchanged). */
export function ioError(operation: string, path: string, cause: unknown): L2oIoError {
  if (cause instanceof L2oIoError) return cause;
  const code = cause instanceof L2oError ? undefined : codeOf(cause);
  const known = code !== undefined ? REASONS[code] : undefined;
  let reason: string;
  if (known !== undefined) reason = `${known} (${code})`;
  else if (cause instanceof Error) reason = cause.message;
  else reason = String(cause);
  return new L2oIoError(operation, path, reason, code, { cause });
}
