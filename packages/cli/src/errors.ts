import { L2oError, L2oIoError } from '@l2o/core';
import { RunLockHeldError, acquireRunLock, cleanStaleTempFiles, type RunLock } from '@l2o/core/node';
import { UsageError } from './args.js';

/** Exit codes of `l2o`: 0 done, 1 failed, 2 the command line is wrong (or its --out is in use), 130 interrupted. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

/** A run stopped by Ctrl-C (SIGINT) or SIGTERM after saving its state; `l2o` exits with 130. */
export class InterruptedError extends L2oError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('INTERRUPTED', message, options);
    this.name = 'InterruptedError';
  }
}

/** A file-system failure on a path given by a flag; the message starts with the flag and its value. */
export class FlagIoError extends L2oError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('IO', message, options);
    this.name = 'FlagIoError';
  }
}

/**
 * `e` with the flag its path came from: a run lock held by another run is a usage error (exit 2); an I/O error
 * is named `--flag value: …` (`--flag: …` for an empty `value`, as for a boolean flag) — for an input path
 * (`input`), a path that does not exist is a usage error too.
 */
export function flagError(flag: string, value: string, e: unknown, input = false): unknown {
  const named = value === '' ? flag : `${flag} ${value}`;
  if (e instanceof RunLockHeldError) return new UsageError(`${named}: ${e.message}`);
  if (e instanceof L2oIoError) {
    const msg = `${named}: ${e.message}`;
    return input && (e.systemCode === 'ENOENT' || e.systemCode === 'ENOTDIR')
      ? new UsageError(msg)
      : new FlagIoError(msg, { cause: e });
  }
  return e;
}

/** Runs `f`, naming `flag` in the I/O errors it throws (see {@link flagError}). */
export function withFlag<T>(flag: string, value: string, f: () => T, input = false): T {
  try {
    return f();
  } catch (e) {
    throw flagError(flag, value, e, input);
  }
}

/** {@link withFlag} for async work. */
export async function withFlagAsync<T>(flag: string, value: string, f: () => Promise<T>, input = false): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw flagError(flag, value, e, input);
  }
}

/**
 * Takes the run lock of the output folder `dir` (from `flag`), so that a second command writing there is refused
 * instead of mixing its files with this one's; then removes temporary files that killed runs left there.
 */
export function lockOutput(flag: string, dir: string, command: string): RunLock {
  return withFlag(flag, dir, () => {
    const lock = acquireRunLock(dir, { command });
    if (lock.tookOverFrom) {
      process.stderr.write(
        `note: took over the lock of ${dir} from pid ${lock.tookOverFrom.pid} (${lock.tookOverFrom.command}, started ${lock.tookOverFrom.startedAt}), which is no longer running\n`,
      );
    }
    try {
      const cleaned = cleanStaleTempFiles(dir);
      if (cleaned.length > 0) {
        process.stderr.write(`note: removed ${cleaned.length} temporary file(s) of killed runs from ${dir}\n`);
      }
    } catch (e) {
      lock.release();
      throw e;
    }
    return lock;
  });
}
