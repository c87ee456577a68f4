import { resizeImages } from '@l2o/core/extend';
import { L2oError } from '@l2o/core';
import { checkImageDataset, type ImageDataset } from './dataset.js';

export interface ShrinkImagesOptions {
  /** Side of the square output images (integer, at most the input's height and width). */
  readonly side: number;
  /** Convert to one grey channel (BT.601 luma, as TensorFlow's `rgb_to_grayscale`). Default false. */
  readonly grey?: boolean;
  /** Name of the result. Default `${source.name}-${side}x${side}` (+ `-grey`). */
  readonly name?: string;
}

/**
 * A copy of `source` with every image shrunk to `side × side` by area averaging (`resizeImages` of @l2o/core),
 * optionally grey: e.g. the 8×8 grey images of Celo's tiny meta-training classifiers. Labels and classes are kept.
 */
export function shrinkImages(source: ImageDataset, options: ShrinkImagesOptions): ImageDataset {
  checkImageDataset(source, 'shrinkImages.source');
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', 'shrinkImages: options must be an object');
  const { side } = options;
  const max = Math.min(source.height, source.width);
  if (!Number.isInteger(side) || side < 1 || side > max) {
    throw new L2oError('INVALID_OPTION', `shrinkImages.side: must be an integer in 1…${max}, got ${String(side)}`);
  }
  const grey = options.grey ?? false;
  if (typeof grey !== 'boolean')
    throw new L2oError('INVALID_OPTION', `shrinkImages.grey: must be true or false, got ${String(grey)}`);
  if (grey && source.channels !== 3 && source.channels !== 1) {
    throw new L2oError(
      'INVALID_OPTION',
      `shrinkImages.grey: needs 1 or 3 channels, "${source.name}" has ${source.channels}`,
    );
  }
  const images = resizeImages(
    source.images,
    { count: source.size, height: source.height, width: source.width, channels: source.channels },
    { height: side, width: side, grey },
  );
  return {
    name: options.name ?? `${source.name}-${side}x${side}${grey ? '-grey' : ''}`,
    size: source.size,
    height: side,
    width: side,
    channels: grey ? 1 : source.channels,
    images,
    labels: source.labels,
    numClasses: source.numClasses,
    classNames: source.classNames,
  };
}
