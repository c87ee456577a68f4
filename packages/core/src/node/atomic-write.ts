import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { L2oError, L2oIoError } from '@l2o/core';
import { ioError } from '@l2o/core/extend';
import { ensureDirectory } from './ensure-directory.js';
import { currentProcess, hostTag, processLiveness } from './process-liveness.js';

/** Bytes or UTF-8 text to write. */
export type FileData = Uint8Array | string;

function toBytes(data: FileData, what: string): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  throw new L2oError('INVALID_OPTION', `${what}: data must be a Uint8Array or a string, got ${describe(data)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

function writeAllAndSync(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, 'wx', 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory so a rename inside it is durable. Not supported everywhere (Windows): best effort. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Directories cannot be opened/fsynced on some platforms; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** `-<pid>-<host tag>-<random>`: who writes a temporary file or directory, so leftovers of dead writers can be told apart. */
function writerSuffix(): string {
  return `-${process.pid}-${hostTag()}-${randomBytes(4).toString('hex')}`;
}

/** A leftover of an interrupted atomic write, found next to its target. */
export interface AtomicLeftover {
  /** The leftover's path. */
  readonly path: string;
  /** The file or directory it was writing (`tmp`) or the previous copy it was replacing (`old`). */
  readonly target: string;
  readonly kind: 'tmp' | 'old';
  /** Whether its writer is certainly gone (same host, pid no longer running). Legacy names carry no writer: 'unknown'. */
  readonly writer: 'alive' | 'dead' | 'unknown';
}

const FILE_TMP = /^\.(.+)\.tmp-(\d+)-([0-9a-f]{8})-[0-9a-f]{8}$/;
const DIR_LEFTOVER = /^\.(.+)\.l2o-(tmp|old)-(\d+)-([0-9a-f]{8})-[0-9a-f]{8}$/;
const LEGACY_DIR_LEFTOVER = /^\.(.+)\.l2o-(tmp|old)$/;

function writerState(pid: string, tag: string): AtomicLeftover['writer'] {
  if (tag !== hostTag()) return 'unknown';
  const liveness = processLiveness({ pid: Number(pid), host: currentProcess().host });
  // A temporary file of this very process is never in flight between calls, but another thread of it may write.
  return Number(pid) === process.pid ? 'alive' : liveness;
}

/**
 * The leftovers of interrupted {@link writeFileAtomic} / {@link writeDirAtomic} calls in directory `dir`
 * (optionally only those of `target`), with whether their writer is still running.
 */
export function atomicLeftovers(dir: string, target?: string): AtomicLeftover[] {
  const parent = resolve(dir);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const only = target === undefined ? undefined : basename(resolve(target));
  const out: AtomicLeftover[] = [];
  for (const name of names) {
    let m = FILE_TMP.exec(name);
    if (m) {
      if (only === undefined || m[1] === only) {
        out.push({
          path: join(parent, name),
          target: join(parent, m[1]!),
          kind: 'tmp',
          writer: writerState(m[2]!, m[3]!),
        });
      }
      continue;
    }
    m = DIR_LEFTOVER.exec(name);
    if (m) {
      if (only === undefined || m[1] === only) {
        out.push({
          path: join(parent, name),
          target: join(parent, m[1]!),
          kind: m[2] as 'tmp' | 'old',
          writer: writerState(m[3]!, m[4]!),
        });
      }
      continue;
    }
    m = LEGACY_DIR_LEFTOVER.exec(name);
    if (m && (only === undefined || m[1] === only)) {
      out.push({
        path: join(parent, name),
        target: join(parent, m[1]!),
        kind: m[2] as 'tmp' | 'old',
        writer: 'unknown',
      });
    }
  }
  return out;
}

/**
 * Writes `data` to `path` atomically: the bytes go to a temporary file in the same directory, are fsynced,
 * and the temporary file is renamed over the target. Readers see the old file or the new one, never a
 * half-written one. The parent directory must exist. Temporary files of the same target left by writers that
 * are certainly gone (killed mid-write) are removed first; a live writer's are never touched. Errors are
 * {@link L2oIoError}s naming `path`.
 */
export function writeFileAtomic(path: string, data: FileData): void {
  const bytes = toBytes(data, `writeFileAtomic(${path})`);
  const target = resolve(path);
  for (const l of atomicLeftovers(dirname(target), target)) {
    if (l.writer !== 'dead' || l.kind !== 'tmp' || isDir(l.path)) continue;
    try {
      rmSync(l.path, { force: true });
    } catch {
      // best effort: the write below reports a directory that cannot be written
    }
  }
  const tmp = join(dirname(target), `.${basename(target)}.tmp${writerSuffix()}`);
  try {
    writeAllAndSync(tmp, bytes);
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw ioError('write', target, e);
  }
  fsyncDir(dirname(target));
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Repairs what interrupted {@link writeDirAtomic} calls of writers that are gone left next to `dir`:
 * - `dir` missing but an old copy present (crash between the two renames): the old copy is renamed back;
 * - `dir` present and an old copy present (crash before the old copy was removed): the old copy is removed;
 * - a temporary new copy (crash while writing it): removed.
 * Leftovers of a writer that is still running (or runs on another host) are left alone. Returns what it did.
 */
export function recoverDirAtomic(dir: string): 'nothing' | 'restored-old' | 'cleaned' {
  const target = resolve(dir);
  let action: 'nothing' | 'restored-old' | 'cleaned' = 'nothing';
  // Legacy names (l2o ≤ 0.1.0 wrote `.<dir>.l2o-tmp` / `.<dir>.l2o-old`, one writer at a time) and tagged
  // names of dead writers.
  const gone = atomicLeftovers(dirname(target), target).filter(
    (l) => isDir(l.path) && (l.writer === 'dead' || LEGACY_DIR_LEFTOVER.test(basename(l.path))),
  );
  for (const l of gone.filter((x) => x.kind === 'old')) {
    if (!existsSync(target)) {
      renameSync(l.path, target);
      action = 'restored-old';
    } else {
      rmSync(l.path, { recursive: true, force: true });
      if (action === 'nothing') action = 'cleaned';
    }
  }
  for (const l of gone.filter((x) => x.kind === 'tmp')) {
    rmSync(l.path, { recursive: true, force: true });
    if (action === 'nothing') action = 'cleaned';
  }
  if (action !== 'nothing') fsyncDir(dirname(target));
  return action;
}

/**
 * Removes the leftovers of interrupted atomic writes in `dir` whose writers are certainly gone (temporary
 * files and directories; an old copy of a directory is renamed back if the directory itself is missing).
 * Never touches what a running process (or a process on another host) may still be writing. Returns the
 * paths removed or restored.
 */
export function cleanStaleTempFiles(dir: string): string[] {
  const done: string[] = [];
  const leftovers = atomicLeftovers(dir).filter((l) => l.writer === 'dead');
  for (const l of leftovers) {
    if (!existsSync(l.path)) continue;
    if (isDir(l.path)) {
      if (recoverDirAtomic(l.target) !== 'nothing') done.push(l.path);
    } else {
      rmSync(l.path, { force: true });
      done.push(l.path);
    }
  }
  return done;
}

function checkFileName(name: string, where: string): void {
  if (
    name.length === 0 ||
    name === '.' ||
    name === '..' ||
    name.includes('/') ||
    name.includes('\\') ||
    name.includes('\0')
  ) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: file name "${name}" is not allowed; use a plain file name without path separators`,
    );
  }
}

/**
 * Replaces the directory `dir` by one holding exactly `files` (name → content), atomically with respect to
 * crashes: the new content is written and fsynced into a temporary sibling directory, then the old directory
 * is renamed away, the new one renamed in, and the old one removed. A crash at any point leaves `dir` either
 * complete-old or complete-new (or, between the two renames, missing with the complete old copy beside it,
 * which the next call — or {@link recoverDirAtomic} — renames back). Leftovers of interrupted calls whose
 * writers are gone are repaired at the start of the next one; a running writer's temporary copy is never
 * removed. The parent directory is created if needed. Files already in `dir` that are not in `files` are not
 * kept. Concurrent writers to the same `dir` are not supported (one of them fails): hold a run lock
 * ({@link acquireRunLock}) on the folder. Errors are {@link L2oIoError}s naming `dir`.
 */
export function writeDirAtomic(dir: string, files: Readonly<Record<string, FileData>>): void {
  const where = `writeDirAtomic(${dir})`;
  const target = resolve(dir);
  const entries = Object.entries(files);
  const payload = entries.map(([name, data]) => {
    checkFileName(name, where);
    return [name, toBytes(data, `${where}: file "${name}"`)] as const;
  });
  if (existsSync(target) && !isDir(target)) {
    throw new L2oIoError('write directory', target, 'it exists and is not a directory', 'ENOTDIR');
  }
  ensureDirectory(dirname(target));
  const parent = dirname(target);
  const base = basename(target);
  const suffix = writerSuffix();
  const tmp = join(parent, `.${base}.l2o-tmp${suffix}`);
  const old = join(parent, `.${base}.l2o-old${suffix}`);
  try {
    recoverDirAtomic(target);
    mkdirSync(tmp);
  } catch (e) {
    throw ioError('write directory', target, e);
  }
  try {
    for (const [name, bytes] of payload) writeAllAndSync(join(tmp, name), bytes);
    fsyncDir(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw ioError('write directory', target, e);
  }
  const hadOld = existsSync(target);
  try {
    if (hadOld) renameSync(target, old);
    try {
      renameSync(tmp, target);
    } catch (e) {
      if (hadOld) renameSync(old, target);
      throw e;
    }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw ioError('write directory', target, e);
  }
  fsyncDir(parent);
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
