import {
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

/** Bytes or UTF-8 text to write. */
export type FileData = Uint8Array | string;

function toBytes(data: FileData, what: string): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data;
  throw new Error(`${what}: data must be a Uint8Array or a string, got ${describe(data)}`);
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

/**
 * Writes `data` to `path` atomically: the bytes go to a temporary file in the same directory, are fsynced,
 * and the temporary file is renamed over the target. Readers see the old file or the new one, never a
 * half-written one. The parent directory must exist.
 */
export function writeFileAtomic(path: string, data: FileData): void {
  const bytes = toBytes(data, `writeFileAtomic(${path})`);
  const target = resolve(path);
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    writeAllAndSync(tmp, bytes);
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file may not exist
    }
    throw e;
  }
  fsyncDir(dirname(target));
}

/** The sibling paths `writeDirAtomic` uses for `dir`: the new copy being written and the old copy being replaced. */
export function atomicDirSiblings(dir: string): { tmp: string; old: string } {
  const target = resolve(dir);
  const parent = dirname(target);
  const base = basename(target);
  return { tmp: join(parent, `.${base}.l2o-tmp`), old: join(parent, `.${base}.l2o-old`) };
}

function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Repairs what an interrupted {@link writeDirAtomic} may have left next to `dir`:
 * - `dir` missing but its old copy present (crash between the two renames): the old copy is renamed back;
 * - `dir` present and an old copy present (crash before the old copy was removed): the old copy is removed;
 * - a temporary new copy (crash while writing it): removed.
 * Returns what it did, for logging.
 */
export function recoverDirAtomic(dir: string): 'nothing' | 'restored-old' | 'cleaned' {
  const target = resolve(dir);
  const { tmp, old } = atomicDirSiblings(target);
  let action: 'nothing' | 'restored-old' | 'cleaned' = 'nothing';
  if (existsSync(old)) {
    if (!existsSync(target)) {
      renameSync(old, target);
      action = 'restored-old';
    } else {
      rmSync(old, { recursive: true, force: true });
      action = 'cleaned';
    }
  }
  if (existsSync(tmp)) {
    rmSync(tmp, { recursive: true, force: true });
    if (action === 'nothing') action = 'cleaned';
  }
  if (action !== 'nothing') fsyncDir(dirname(target));
  return action;
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
    throw new Error(`${where}: file name "${name}" is not allowed; use a plain file name without path separators`);
  }
}

/**
 * Replaces the directory `dir` by one holding exactly `files` (name → content), atomically with respect to
 * crashes: the new content is written and fsynced into a temporary sibling directory, then the old directory
 * is renamed away, the new one renamed in, and the old one removed. A crash at any point leaves `dir` either
 * complete-old or complete-new (or, between the two renames, missing with the complete old copy beside it,
 * which the next call — or {@link recoverDirAtomic} — renames back). Leftovers of an interrupted call are
 * repaired at the start of the next one. The parent directory is created if needed. Files already in `dir`
 * that are not in `files` are not kept. Not safe for concurrent writers to the same `dir`.
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
    throw new Error(`${where}: ${target} exists and is not a directory`);
  }
  mkdirSync(dirname(target), { recursive: true });
  recoverDirAtomic(target);
  const { tmp, old } = atomicDirSiblings(target);
  mkdirSync(tmp);
  try {
    for (const [name, bytes] of payload) writeAllAndSync(join(tmp, name), bytes);
    fsyncDir(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const hadOld = existsSync(target);
  if (hadOld) renameSync(target, old);
  try {
    renameSync(tmp, target);
  } catch (e) {
    if (hadOld) renameSync(old, target);
    throw e;
  }
  fsyncDir(dirname(target));
  if (hadOld) rmSync(old, { recursive: true, force: true });
}
