import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  CIFAR10_CHANNELS,
  CIFAR10_CLASSES,
  CIFAR10_HEIGHT,
  CIFAR10_IMAGE_SIZE,
  CIFAR10_WIDTH,
  type ImageDataset,
} from './dataset.js';
import { L2oError } from '@l2o/core';

/** Bytes of one record of the CIFAR-10 binary format: 1 label byte, then 1024 R, 1024 G, 1024 B bytes. */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_SIZE;
/** Records per file in the official distribution. */
export const CIFAR10_RECORDS_PER_FILE = 10_000;
export const CIFAR10_TRAIN_FILES = [
  'data_batch_1.bin',
  'data_batch_2.bin',
  'data_batch_3.bin',
  'data_batch_4.bin',
  'data_batch_5.bin',
] as const;
export const CIFAR10_TEST_FILE = 'test_batch.bin';
/** The folder the official tarball extracts to. */
export const CIFAR10_BATCHES_FOLDER = 'cifar-10-batches-bin';
/** Environment variable naming the local CIFAR-10 folder. */
export const CIFAR10_DIR_ENV = 'L2O_CIFAR10_DIR';
/** Default size of the validation split, carved off the end of the training files. */
export const CIFAR10_DEFAULT_VALIDATION_SIZE = 5_000;

export const CIFAR10_SPLITS = ['train', 'validation', 'test'] as const;
export type Cifar10SplitName = (typeof CIFAR10_SPLITS)[number];

/** Records decoded from CIFAR-10 binary bytes: NHWC float32 pixels in [0, 1] and labels 0–9. */
export interface CifarRecords {
  readonly size: number;
  readonly images: Float32Array;
  readonly labels: Uint8Array;
}

/** The error for a CIFAR-10 binary file of `length` bytes that is not whole records. */
export function cifarSizeError(source: string, length: number): L2oError {
  return new L2oError(
    'INVALID_DATA',
    `${source}: size ${length} bytes is not a positive multiple of ${CIFAR10_RECORD_BYTES} (one record: 1 label byte + 3,072 pixel bytes); the file is truncated or not CIFAR-10 binary`,
  );
}

/** The error for record `r` of a CIFAR-10 binary file whose label byte is not a class. */
export function cifarLabelError(source: string, r: number, label: number): L2oError {
  return new L2oError(
    'INVALID_DATA',
    `${source}: record ${r} (byte offset ${r * CIFAR10_RECORD_BYTES}) has label ${label}; labels must be 0…9`,
  );
}

/**
 * Decodes bytes in the CIFAR-10 binary format (records of 3,073 bytes: label, then the R, G and B planes of
 * 32×32, row-major) into NHWC float32 pixels / 255. `source` names the file in errors.
 */
export function parseCifarBinary(bytes: Uint8Array, source = 'CIFAR-10 data'): CifarRecords {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) throw cifarSizeError(source, bytes.length);
  const n = bytes.length / CIFAR10_RECORD_BYTES;
  const images = new Float32Array(n * CIFAR10_IMAGE_SIZE);
  const labels = new Uint8Array(n);
  const plane = CIFAR10_HEIGHT * CIFAR10_WIDTH;
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    const label = bytes[base]!;
    if (label >= CIFAR10_CLASSES.length) throw cifarLabelError(source, r, label);
    labels[r] = label;
    const out = r * CIFAR10_IMAGE_SIZE;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < CIFAR10_CHANNELS; c++)
        images[out + p * CIFAR10_CHANNELS + c] = bytes[base + 1 + c * plane + p]! / 255;
    }
  }
  return { size: n, images, labels };
}

/** Reads and decodes one CIFAR-10 binary file. */
export function readCifarBinaryFile(path: string): CifarRecords {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new L2oError('IO', `${path}: cannot read (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  return parseCifarBinary(bytes, path);
}

export interface Cifar10Options {
  /**
   * Folder holding data_batch_1..5.bin and test_batch.bin (or the folder containing `cifar-10-batches-bin/`).
   * Default: the environment variable `L2O_CIFAR10_DIR`.
   */
  readonly dir?: string;
  /** Images moved from the end of the training files into `validation`. Default 5,000. */
  readonly validationSize?: number;
}

/** The folder with the CIFAR-10 binary files, from `dir` or `L2O_CIFAR10_DIR`; throws saying how to get them. */
export function resolveCifar10Dir(dir?: string): string {
  const given = dir ?? process.env[CIFAR10_DIR_ENV];
  if (given === undefined || given === '') {
    throw new L2oError(
      'INVALID_OPTION',
      `cifar10.dir: no CIFAR-10 folder given; pass { dir } or set ${CIFAR10_DIR_ENV} to a folder with ${CIFAR10_TRAIN_FILES.join(', ')} and ${CIFAR10_TEST_FILE} ` +
        '(downloadCifar10 fetches them where the official site is reachable; loadDogsNCats needs no download)',
    );
  }
  const nested = join(given, CIFAR10_BATCHES_FOLDER);
  if (!existsSync(join(given, CIFAR10_TEST_FILE)) && existsSync(join(nested, CIFAR10_TEST_FILE))) return nested;
  return given;
}

const cache = new Map<string, CifarRecords>();

function loadFiles(dir: string, files: readonly string[]): CifarRecords {
  const key = `${dir}\u0000${files.join(',')}`;
  const hit = cache.get(key);
  if (hit) return hit;
  for (const f of files) {
    if (!existsSync(join(dir, f)))
      throw new L2oError(
        'NOT_FOUND',
        `cifar10: missing ${f} in ${dir}; expected ${[...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].join(', ')}`,
      );
  }
  const parts = files.map((f) => readCifarBinaryFile(join(dir, f)));
  const size = parts.reduce((s, p) => s + p.size, 0);
  const images = new Float32Array(size * CIFAR10_IMAGE_SIZE);
  const labels = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    images.set(p.images, at * CIFAR10_IMAGE_SIZE);
    labels.set(p.labels, at);
    at += p.size;
  }
  const out = { size, images, labels };
  cache.set(key, out);
  return out;
}

function dataset(name: string, r: CifarRecords): ImageDataset {
  return {
    name,
    size: r.size,
    height: CIFAR10_HEIGHT,
    width: CIFAR10_WIDTH,
    channels: CIFAR10_CHANNELS,
    images: r.images,
    labels: r.labels,
    numClasses: CIFAR10_CLASSES.length,
    classNames: CIFAR10_CLASSES,
  };
}

/**
 * One split of CIFAR-10 from a local copy of the official binary files (cached per folder for the process):
 * `train` = data_batch_1..5 minus their last `validationSize` images, `validation` = those images, `test` =
 * test_batch. Files of any whole number of records are accepted (so small fixtures work).
 */
export function loadCifar10Split(split: Cifar10SplitName, options: Cifar10Options = {}): ImageDataset {
  if (!(CIFAR10_SPLITS as readonly string[]).includes(split)) {
    throw new L2oError(
      'INVALID_OPTION',
      `cifar10.split: unknown "${String(split)}"; allowed values: ${CIFAR10_SPLITS.join(', ')}`,
    );
  }
  const dir = resolveCifar10Dir(options.dir);
  const v = options.validationSize ?? CIFAR10_DEFAULT_VALIDATION_SIZE;
  if (!Number.isInteger(v) || v < 0)
    throw new L2oError('INVALID_OPTION', `cifar10.validationSize: must be an integer ≥ 0, got ${v}`);
  if (split === 'test') return dataset('cifar10-test', loadFiles(dir, [CIFAR10_TEST_FILE]));
  const all = loadFiles(dir, CIFAR10_TRAIN_FILES);
  if (v >= all.size)
    throw new L2oError(
      'INVALID_OPTION',
      `cifar10.validationSize: must be < the ${all.size} training images in ${basename(dir)}, got ${v}`,
    );
  const cut = all.size - v;
  if (split === 'train') {
    return dataset('cifar10-train', {
      size: cut,
      images: all.images.subarray(0, cut * CIFAR10_IMAGE_SIZE),
      labels: all.labels.subarray(0, cut),
    });
  }
  if (v === 0)
    throw new L2oError(
      'INVALID_OPTION',
      'cifar10.split: "validation" is empty because validationSize is 0; set validationSize > 0',
    );
  return dataset('cifar10-validation', {
    size: v,
    images: all.images.subarray(cut * CIFAR10_IMAGE_SIZE),
    labels: all.labels.subarray(cut),
  });
}

/** Encodes records in the CIFAR-10 binary format (for fixtures and round trips): pixels given as bytes, NHWC. */
export function encodeCifarBinary(labels: ArrayLike<number>, pixelsNhwc: ArrayLike<number>): Uint8Array {
  const n = labels.length;
  if (pixelsNhwc.length !== n * CIFAR10_IMAGE_SIZE) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `encodeCifarBinary.pixels: expected ${n} × ${CIFAR10_IMAGE_SIZE} values, got ${pixelsNhwc.length}`,
    );
  }
  const out = new Uint8Array(n * CIFAR10_RECORD_BYTES);
  const plane = CIFAR10_HEIGHT * CIFAR10_WIDTH;
  for (let r = 0; r < n; r++) {
    const base = r * CIFAR10_RECORD_BYTES;
    out[base] = labels[r]!;
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < CIFAR10_CHANNELS; c++)
        out[base + 1 + c * plane + p] = pixelsNhwc[r * CIFAR10_IMAGE_SIZE + p * CIFAR10_CHANNELS + c]!;
    }
  }
  return out;
}
