import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fsyncSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { L2oError, L2oIoError } from '@l2o/core';
import { ioError } from '@l2o/core/extend';
import { ensureDirectory } from './ensure-directory.js';
import { currentProcess, hostTag, processLiveness, type ProcessIdentity } from './process-liveness.js';

/** The lock file {@link acquireRunLock} creates inside the folder it locks. */
export const RUN_LOCK_FILE = '.l2o-lock';

/** Who holds a run lock. */
export interface RunLockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO 8601 time the lock was taken. */
  readonly startedAt: string;
  /** What the holder runs, e.g. `l2o train`. */
  readonly command: string;
}

interface LockRecord extends ProcessIdentity, RunLockHolder {
  readonly token: string;
}

/** Thrown by {@link acquireRunLock} when another process (or this one) holds the folder's lock. */
export class RunLockHeldError extends L2oError {
  readonly dir: string;
  readonly lockPath: string;
  readonly holder: RunLockHolder;

  constructor(dir: string, lockPath: string, holder: RunLockHolder, why: string) {
    super(
      'LOCKED',
      `${dir} is in use by another l2o run (pid ${holder.pid} on host ${holder.host}, ${holder.command}, started ${holder.startedAt})${why}; ` +
        `wait for it to finish or choose another folder. If that run is gone, delete ${lockPath}`,
    );
    this.name = 'RunLockHeldError';
    this.dir = dir;
    this.lockPath = lockPath;
    this.holder = holder;
  }
}

/** A held run lock. `release` is idempotent; a lock still held when the process exits is released then. */
export interface RunLock {
  readonly dir: string;
  readonly path: string;
  /** The holder of a stale lock (its process gone) that this lock replaced, if any. */
  readonly tookOverFrom?: RunLockHolder;
  release(): void;
}

/** Lock files held by this process: path → token. */
const held = new Map<string, string>();
let exitHookInstalled = false;

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function codeOf(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Writes `text` to a new private file (O_EXCL) and fsyncs it. */
function writeNew(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    const bytes = new TextEncoder().encode(text);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates `path` holding `text`, or fails with EEXIST if it exists. The text is written to a private file first
 * and hard-linked into place, so `path` never exists half-written; where hard links are not supported it is
 * created with O_EXCL and written in place.
 */
function createExclusive(path: string, text: string, dir: string): void {
  const tmp = join(dir, `.${basename(path)}.tmp-${process.pid}-${hostTag()}-${randomBytes(4).toString('hex')}`);
  writeNew(tmp, text);
  try {
    linkSync(tmp, path);
  } catch (e) {
    const code = codeOf(e);
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') writeNew(path, text);
    else throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function isRecord(v: unknown): v is LockRecord {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(o['pid']) &&
    typeof o['host'] === 'string' &&
    typeof o['token'] === 'string' &&
    typeof o['startedAt'] === 'string' &&
    typeof o['command'] === 'string' &&
    (o['bootId'] === undefined || typeof o['bootId'] === 'string') &&
    (o['startTicks'] === undefined || typeof o['startTicks'] === 'string')
  );
}

/** The record in a lock (or breaker) file; 'missing' if it vanished; 'corrupt' if unreadable after retries. */
function readRecord(path: string): LockRecord | 'missing' | 'corrupt' {
  for (let attempt = 0; ; attempt++) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (codeOf(e) === 'ENOENT') return 'missing';
      throw ioError('read lock file', path, e);
    }
    try {
      const v: unknown = JSON.parse(text);
      if (isRecord(v)) return v;
    } catch {
      // written in place (no hard links) and not complete yet, or damaged
    }
    if (attempt >= 20) return 'corrupt';
    sleepMs(50);
  }
}

function holderOf(r: LockRecord): RunLockHolder {
  return { pid: r.pid, host: r.host, startedAt: r.startedAt, command: r.command };
}

/**
 * Removes the stale lock `stale` from `lockPath`, serialised among the processes that want to: each must first
 * create a breaker file for that lock's token, generation g, which exists at most once (created exclusively);
 * generation g + 1 may be created only once the holder of generation g is certainly gone. So at most one live
 * process removes a given stale lock, and it removes it only if the lock file still holds that token. Returns
 * false when another live process is breaking it (the caller retries).
 */
function breakStaleLock(dir: string, lockPath: string, stale: LockRecord, me: LockRecord): boolean {
  const prefix = `${basename(lockPath)}.break-${stale.token}-`;
  const generations = readdirSync(dir)
    .filter((n) => n.startsWith(prefix))
    .map((n) => Number(n.slice(prefix.length)))
    .filter((g) => Number.isSafeInteger(g) && g >= 0);
  const last = generations.length > 0 ? Math.max(...generations) : -1;
  if (last >= 0) {
    const breaker = readRecord(join(dir, `${prefix}${last}`));
    if (breaker === 'missing') return false;
    if (breaker !== 'corrupt' && processLiveness(breaker) !== 'dead') return false;
  }
  const mine = join(dir, `${prefix}${last + 1}`);
  try {
    createExclusive(mine, JSON.stringify(me), dir);
  } catch (e) {
    if (codeOf(e) === 'EEXIST') return false;
    throw ioError('create lock file', mine, e);
  }
  try {
    const now = readRecord(lockPath);
    if (now !== 'missing' && now !== 'corrupt' && now.token === stale.token) unlinkSync(lockPath);
  } finally {
    removeBreakers(dir, lockPath, (token) => token === stale.token);
  }
  return true;
}

function removeBreakers(dir: string, lockPath: string, which: (token: string) => boolean): void {
  const re = new RegExp(`^${basename(lockPath).replace(/\./g, '\\.')}\\.break-([0-9a-f]+)-\\d+$`);
  for (const n of readdirSync(dir)) {
    const m = re.exec(n);
    if (m && which(m[1]!)) rmSync(join(dir, n), { force: true });
  }
}

function releaseAllHeld(): void {
  for (const [path, token] of held) {
    try {
      const r = readRecord(path);
      if (r !== 'missing' && r !== 'corrupt' && r.token === token) unlinkSync(path);
    } catch {
      // exiting anyway
    }
  }
  held.clear();
}

/**
 * Takes the run lock of folder `dir` (created if missing): a file {@link RUN_LOCK_FILE} holding this process's
 * pid, host, start time and `command`, created atomically (it fails if the file exists). A lock held by a
 * running process — or by a process on another host, whose state cannot be checked — is refused with a
 * {@link RunLockHeldError} naming the holder. A stale lock (its process gone: same host, pid no longer running,
 * or now another process, or the machine rebooted since) is taken over; two processes racing for the same
 * stale lock cannot both get it. Release the lock with `release()` (also done at process exit).
 * I/O failures are {@link L2oIoError}s naming the path.
 */
export function acquireRunLock(dir: string, options: { readonly command?: string } = {}): RunLock {
  const target = resolve(dir);
  ensureDirectory(target);
  const lockPath = join(target, RUN_LOCK_FILE);
  const me: LockRecord = {
    ...currentProcess(),
    token: randomBytes(16).toString('hex'),
    startedAt: new Date().toISOString(),
    command: options.command ?? `node ${process.argv.slice(1, 3).join(' ')}`.trim(),
  };
  let tookOverFrom: RunLockHolder | undefined;
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      createExclusive(lockPath, `${JSON.stringify(me, null, 2)}\n`, target);
      held.set(lockPath, me.token);
      if (!exitHookInstalled) {
        process.on('exit', releaseAllHeld);
        exitHookInstalled = true;
      }
      // Breakers of other tokens refer to locks that are gone: leftovers of a process killed while breaking.
      removeBreakers(target, lockPath, (token) => token !== me.token);
      let released = false;
      return {
        dir: target,
        path: lockPath,
        ...(tookOverFrom !== undefined ? { tookOverFrom } : {}),
        release(): void {
          if (released) return;
          released = true;
          if (held.get(lockPath) === me.token) held.delete(lockPath);
          const r = readRecord(lockPath);
          if (r !== 'missing' && r !== 'corrupt' && r.token === me.token) {
            try {
              unlinkSync(lockPath);
            } catch (e) {
              throw ioError('remove lock file', lockPath, e);
            }
          }
        },
      };
    } catch (e) {
      if (codeOf(e) !== 'EEXIST') throw ioError('create lock file', lockPath, e);
    }
    const holder = readRecord(lockPath);
    if (holder === 'missing') continue;
    if (holder === 'corrupt') {
      throw new L2oIoError(
        'lock',
        target,
        `the lock file ${lockPath} exists but is not a readable l2o lock; if no l2o run uses this folder, delete it`,
      );
    }
    if (held.get(lockPath) === holder.token) {
      throw new RunLockHeldError(target, lockPath, holderOf(holder), ' — this process already holds it');
    }
    const state = processLiveness(holder);
    if (state === 'alive') throw new RunLockHeldError(target, lockPath, holderOf(holder), '');
    if (state === 'unknown') {
      throw new RunLockHeldError(
        target,
        lockPath,
        holderOf(holder),
        ' — on another host, so whether it still runs cannot be checked from here',
      );
    }
    // Fault injection for tests: widens the window between judging a lock stale and removing it.
    const delay = Number(process.env['L2O_RUN_LOCK_TEST_DELAY_MS'] ?? 0);
    if (delay > 0) sleepMs(delay);
    if (breakStaleLock(target, lockPath, holder, me)) tookOverFrom = holderOf(holder);
    else sleepMs(20 + Math.floor(Math.random() * 30));
  }
  throw new L2oIoError(
    'lock',
    target,
    `gave up taking ${lockPath} after 200 attempts (other processes keep racing for it)`,
  );
}
