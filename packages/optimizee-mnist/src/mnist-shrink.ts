import { resizeImages } from '@l2o/core/extend';
import { L2oError } from '@l2o/core';
import type { MnistSplit } from './mnist-data.js';

/** Side of the original MNIST images. */
export const MNIST_SIDE = 28;

const cache = new WeakMap<ArrayBufferLike, Map<string, Float32Array>>();

/**
 * The images of `split` (square, 28 × 28 for MNIST) shrunk to `side × side` by area averaging (`resizeImages` of
 * @l2o/core): `size × side²` pixels in [0, 1]. The images' own side returns them as they are. Cached per
 * underlying buffer and side, so every family on the same data shares one copy. Shared: do not write.
 */
export function mnistImagesAtSide(split: MnistSplit, side: number): Float32Array {
  if (!Number.isInteger(side) || side < 1 || side > MNIST_SIDE) {
    throw new L2oError('INVALID_OPTION', `mnist.imageSide: must be an integer in 1…${MNIST_SIDE}, got ${String(side)}`);
  }
  const { images, size } = split;
  const from = size > 0 ? Math.round(Math.sqrt(images.length / size)) : MNIST_SIDE;
  if (from * from * size !== images.length) {
    throw new L2oError(
      'INVALID_DATA',
      `mnist.imageSide: the images of "${split.split}" are not square (${images.length / size} pixels each)`,
    );
  }
  if (side > from)
    throw new L2oError('INVALID_OPTION', `mnist.imageSide: must be at most the images' side ${from}, got ${side}`);
  if (side === from) return images;
  let bySide = cache.get(images.buffer);
  if (!bySide) {
    bySide = new Map();
    cache.set(images.buffer, bySide);
  }
  const key = `${images.byteOffset}:${images.length}:${side}`;
  const hit = bySide.get(key);
  if (hit) return hit;
  const out = resizeImages(
    images,
    { count: size, height: from, width: from, channels: 1 },
    { height: side, width: side },
  );
  bySide.set(key, out);
  return out;
}
