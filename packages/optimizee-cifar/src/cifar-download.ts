import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '@l2o/core/node';
import {
  CIFAR10_BATCHES_FOLDER,
  CIFAR10_DIR_ENV,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  parseCifarBinary,
} from './cifar-binary.js';
import { readTar } from './tar-reader.js';
import { L2oError } from '@l2o/core';

/** The official binary tarball (Krizhevsky's CIFAR page). */
export const CIFAR10_BINARY_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** The MD5 of that tarball as published on the same page. */
export const CIFAR10_BINARY_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

export type ChecksumAlgorithm = 'md5' | 'sha256';

/** Throws unless the digest of `bytes` equals `expected` (hex, case-insensitive). */
export function verifyChecksum(
  bytes: Uint8Array,
  algorithm: ChecksumAlgorithm,
  expected: string,
  source = 'data',
): void {
  if (algorithm !== 'md5' && algorithm !== 'sha256')
    throw new L2oError(
      'INVALID_OPTION',
      `checksum.algorithm: unknown "${String(algorithm)}"; allowed values: md5, sha256`,
    );
  const got = createHash(algorithm).update(bytes).digest('hex');
  if (got !== expected.toLowerCase()) {
    throw new L2oError(
      'CHECKSUM_MISMATCH',
      `${source}: ${algorithm} is ${got}, expected ${expected.toLowerCase()}; the download is corrupt or not the official file`,
    );
  }
}

export interface ExtractCifar10Options {
  /** Expected checksum of the .tar.gz; default the official MD5. */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
  /** Name of the archive in errors. */
  readonly source?: string;
}

/**
 * Verifies a CIFAR-10 binary .tar.gz, gunzips it, and writes its six batch files (each checked to be whole
 * CIFAR-10 records) atomically into `<destDir>/cifar-10-batches-bin/`. Returns that folder.
 */
export function extractCifar10Archive(gz: Uint8Array, destDir: string, options: ExtractCifar10Options = {}): string {
  const source = options.source ?? 'cifar-10-binary.tar.gz';
  const sum = options.checksum ?? { algorithm: 'md5' as const, value: CIFAR10_BINARY_MD5 };
  verifyChecksum(gz, sum.algorithm, sum.value, source);
  let tar: Uint8Array;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new L2oError(
      'INVALID_DATA',
      `${source}: not a valid gzip stream (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
  const wanted = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE] as readonly string[];
  const found = new Map<string, Uint8Array>();
  for (const e of readTar(tar)) {
    const base = posix.basename(e.path);
    if (wanted.includes(base)) found.set(base, e.data);
  }
  const missing = wanted.filter((f) => !found.has(f));
  if (missing.length > 0) throw new L2oError('NOT_FOUND', `${source}: the archive lacks ${missing.join(', ')}`);
  const out = join(destDir, CIFAR10_BATCHES_FOLDER);
  mkdirSync(out, { recursive: true });
  for (const f of wanted) {
    const data = found.get(f)!;
    parseCifarBinary(data, `${source}:${f}`); // whole records, labels 0–9
    writeFileAtomic(join(out, f), data);
  }
  return out;
}

export interface DownloadCifar10Options extends ExtractCifar10Options {
  /** Destination folder; default `L2O_CIFAR10_DIR`. The files land in `<dir>/cifar-10-batches-bin/`. */
  readonly dir?: string;
  /** Default {@link CIFAR10_BINARY_URL}. */
  readonly url?: string;
  /** The fetch to use (default the global one). */
  readonly fetch?: (url: string) => Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
  /** Download even if the files are already there. Default false. */
  readonly force?: boolean;
}

/**
 * Downloads the official CIFAR-10 binary tarball (≈162 MB), checks its MD5 against the published one, and
 * extracts the six batch files. Needs a network that reaches the CIFAR site; skips the download when the files
 * exist already (unless `force`). Returns the folder to pass as `dir` to `loadCifar10Split`.
 */
export async function downloadCifar10(options: DownloadCifar10Options = {}): Promise<string> {
  const dir = options.dir ?? process.env[CIFAR10_DIR_ENV];
  if (!dir)
    throw new L2oError('INVALID_OPTION', `downloadCifar10.dir: give a destination folder or set ${CIFAR10_DIR_ENV}`);
  const target = join(dir, CIFAR10_BATCHES_FOLDER);
  if (!options.force && [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].every((f) => existsSync(join(target, f))))
    return target;
  const url = options.url ?? CIFAR10_BINARY_URL;
  const doFetch = options.fetch ?? ((u: string) => fetch(u));
  let res: Awaited<ReturnType<NonNullable<DownloadCifar10Options['fetch']>>>;
  try {
    res = await doFetch(url);
  } catch (e) {
    throw new L2oError(
      'IO',
      `downloadCifar10: cannot reach ${url} (${e instanceof Error ? e.message : String(e)}); copy the files by hand and set ${CIFAR10_DIR_ENV}`,
      { cause: e },
    );
  }
  if (!res.ok) throw new L2oError('IO', `downloadCifar10: ${url} answered HTTP ${res.status}`);
  const gz = new Uint8Array(await res.arrayBuffer());
  return extractCifar10Archive(gz, dir, { checksum: options.checksum, source: options.source ?? url });
}
