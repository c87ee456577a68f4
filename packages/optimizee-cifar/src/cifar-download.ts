import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  closeSync,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { join, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { L2oError } from '@l2o/core';
import { ioError } from '@l2o/core/extend';
import { extract } from 'tar-stream';
import {
  CIFAR10_BATCHES_FOLDER,
  CIFAR10_DIR_ENV,
  CIFAR10_TEST_FILE,
  CIFAR10_RECORD_BYTES,
  CIFAR10_TRAIN_FILES,
  cifarLabelError,
  cifarSizeError,
} from './cifar-binary.js';
import { CIFAR10_CLASSES } from './dataset.js';

/** The official binary tarball (Krizhevsky's CIFAR page). */
export const CIFAR10_BINARY_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
/** The MD5 of that tarball as published on the same page. */
export const CIFAR10_BINARY_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';

export type ChecksumAlgorithm = 'md5' | 'sha256';

function checkAlgorithm(algorithm: ChecksumAlgorithm): void {
  if (algorithm !== 'md5' && algorithm !== 'sha256')
    throw new L2oError(
      'INVALID_OPTION',
      `checksum.algorithm: unknown "${String(algorithm)}"; allowed values: md5, sha256`,
    );
}

function checkDigest(got: string, algorithm: ChecksumAlgorithm, expected: string, source: string): void {
  if (got !== expected.toLowerCase()) {
    throw new L2oError(
      'CHECKSUM_MISMATCH',
      `${source}: ${algorithm} is ${got}, expected ${expected.toLowerCase()}; the download is corrupt or not the official file`,
    );
  }
}

/** Throws unless the digest of `bytes` equals `expected` (hex, case-insensitive). */
export function verifyChecksum(
  bytes: Uint8Array,
  algorithm: ChecksumAlgorithm,
  expected: string,
  source = 'data',
): void {
  checkAlgorithm(algorithm);
  checkDigest(createHash(algorithm).update(bytes).digest('hex'), algorithm, expected, source);
}

export interface ExtractCifar10Options {
  /** Expected checksum of the .tar.gz; default the official MD5. */
  readonly checksum?: { readonly algorithm: ChecksumAlgorithm; readonly value: string };
  /** Name of the archive in errors. */
  readonly source?: string;
}

/**
 * A .tar.gz given whole (bytes) or as a stream of chunks: a Node `Readable` (`fs.createReadStream(path)`), a web
 * `ReadableStream` (a fetch response's `body`) or any async iterable of bytes.
 */
export type CifarArchiveSource = Uint8Array | AsyncIterable<Uint8Array> | WebReadableStream<Uint8Array>;

const CHUNK = 1 << 16;

async function* chunksOf(archive: CifarArchiveSource): AsyncGenerator<Uint8Array> {
  if (archive instanceof Uint8Array) {
    for (let i = 0; i < archive.length; i += CHUNK) yield archive.subarray(i, i + CHUNK);
  } else if (Symbol.asyncIterator in archive) {
    for await (const c of archive as AsyncIterable<Uint8Array>) yield c;
  } else {
    for await (const c of Readable.fromWeb(archive)) yield c as Uint8Array;
  }
}

/** Passes a CIFAR-10 binary file through, checking on the way that it is whole records with labels 0–9. */
function cifarRecordCheck(source: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const first = (CIFAR10_RECORD_BYTES - (seen % CIFAR10_RECORD_BYTES)) % CIFAR10_RECORD_BYTES;
      for (let i = first; i < chunk.length; i += CIFAR10_RECORD_BYTES) {
        if (chunk[i]! >= CIFAR10_CLASSES.length) {
          done(cifarLabelError(source, (seen + i) / CIFAR10_RECORD_BYTES, chunk[i]!));
          return;
        }
      }
      seen += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      done(seen === 0 || seen % CIFAR10_RECORD_BYTES !== 0 ? cifarSizeError(source, seen) : null);
    },
  });
}

/**
 * Streams a CIFAR-10 binary .tar.gz through gunzip and a tar reader (`tar-stream`), computing its checksum on the
 * way, and puts its six batch files (each checked on the way to be whole CIFAR-10 records with labels 0–9) into
 * `<destDir>/cifar-10-batches-bin/` once the whole archive has matched the checksum. Returns that folder. Nothing
 * is held in memory but stream buffers: entries are written to a temporary folder inside `destDir` (fsynced,
 * removed in every case) and renamed into place, each file atomically. A checksum mismatch is reported before
 * any gzip, tar or record error (a corrupt download is the likelier cause).
 */
export async function extractCifar10Archive(
  archive: CifarArchiveSource,
  destDir: string,
  options: ExtractCifar10Options = {},
): Promise<string> {
  const source = options.source ?? 'cifar-10-binary.tar.gz';
  const sum = options.checksum ?? { algorithm: 'md5' as const, value: CIFAR10_BINARY_MD5 };
  checkAlgorithm(sum.algorithm);
  const wanted = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE] as readonly string[];
  try {
    mkdirSync(destDir, { recursive: true });
  } catch (e) {
    throw ioError('create directory', destDir, e);
  }
  const staging = mkdtempSync(join(destDir, '.cifar-10-extract-'));
  try {
    const hash = createHash(sum.algorithm);
    const gunzip = createGunzip();
    const tar = extract();
    let gzipError: unknown;
    gunzip.on('error', (e) => {
      // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR, …); pipeline also destroys gunzip with the tar reader's.
      if (/^Z_/.test(String((e as { code?: unknown }).code))) gzipError ??= e;
    });
    const found = new Set<string>();
    const piped = pipeline(gunzip, tar);
    const unpacked = (async () => {
      for await (const entry of tar) {
        const base = posix.basename(entry.header.name);
        const regular = entry.header.type === 'file' || entry.header.type === 'contiguous-file';
        if (regular && wanted.includes(base)) {
          const file = createWriteStream(join(staging, base));
          try {
            await pipeline(entry, cifarRecordCheck(`${source}:${base}`), file);
          } catch (e) {
            // pipeline rejects as soon as a stream fails, while the file may still be opening: wait until it is
            // closed, so that nothing is created in the staging folder after it is removed below.
            if (!file.closed) await once(file, 'close').catch(() => undefined);
            throw e;
          }
          found.add(base);
        } else {
          entry.resume();
        }
      }
    })();
    // The first failure of the unpacking stops the writes into gunzip (and wakes a write waiting for 'drain').
    let failed = false;
    let wake = (): void => {};
    const failure = new Promise<void>((resolve) => {
      wake = resolve;
    });
    for (const step of [piped, unpacked]) {
      step.catch(() => {
        failed = true;
        wake();
      });
    }
    for await (const chunk of chunksOf(archive)) {
      hash.update(chunk);
      if (failed || gunzip.destroyed) continue; // keep hashing: a checksum mismatch explains a broken stream best
      if (!gunzip.write(chunk)) await Promise.race([once(gunzip, 'drain').catch(() => undefined), failure]);
    }
    if (!gunzip.destroyed) gunzip.end();
    const [p, u] = await Promise.allSettled([piped, unpacked]);
    checkDigest(hash.digest('hex'), sum.algorithm, sum.value, source);
    if (gzipError !== undefined) {
      throw new L2oError(
        'INVALID_DATA',
        `${source}: not a valid gzip stream (${gzipError instanceof Error ? gzipError.message : String(gzipError)})`,
        { cause: gzipError },
      );
    }
    const err = [u, p].find((r) => r.status === 'rejected')?.reason as unknown;
    if (err instanceof L2oError) throw err; // a batch file that is not whole CIFAR-10 records
    if (err !== undefined) {
      if (typeof (err as { code?: unknown }).code === 'string' && /^E[A-Z]+$/.test((err as { code: string }).code))
        throw ioError('write', staging, err);
      throw new L2oError(
        'INVALID_DATA',
        `${source}: not a valid tar archive (${err instanceof Error ? err.message : String(err)})`,
        { cause: err },
      );
    }
    const missing = wanted.filter((f) => !found.has(f));
    if (missing.length > 0) throw new L2oError('NOT_FOUND', `${source}: the archive lacks ${missing.join(', ')}`);
    const out = join(destDir, CIFAR10_BATCHES_FOLDER);
    try {
      mkdirSync(out, { recursive: true });
      for (const f of wanted) {
        const staged = join(staging, f);
        const fd = openSync(staged, 'r');
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        renameSync(staged, join(out, f));
      }
    } catch (e) {
      throw ioError('write', out, e);
    }
    return out;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export interface DownloadCifar10Options extends ExtractCifar10Options {
  /** Destination folder; default `L2O_CIFAR10_DIR`. The files land in `<dir>/cifar-10-batches-bin/`. */
  readonly dir?: string;
  /** Default {@link CIFAR10_BINARY_URL}. */
  readonly url?: string;
  /**
   * The fetch to use (default the global one). The response's `body` is streamed when it has one; otherwise
   * `arrayBuffer()` is read whole.
   */
  readonly fetch?: (url: string) => Promise<{
    ok: boolean;
    status: number;
    body?: unknown;
    arrayBuffer(): Promise<ArrayBuffer>;
  }>;
  /** Download even if the files are already there. Default false. */
  readonly force?: boolean;
}

/**
 * Downloads the official CIFAR-10 binary tarball (≈162 MB), streaming it through gunzip and the tar reader while
 * its MD5 is computed, checks that against the published one, and extracts the six batch files. Needs a network
 * that reaches the CIFAR site; skips the download when the files exist already (unless `force`). Returns the folder to pass as `dir` to `loadCifar10Split`.
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
  const body =
    res.body !== null && res.body !== undefined
      ? (res.body as WebReadableStream<Uint8Array>)
      : new Uint8Array(await res.arrayBuffer());
  return extractCifar10Archive(body, dir, { checksum: options.checksum, source: options.source ?? url });
}
