import { imageSize, type ImageDataset } from './dataset.js';
import { L2oError } from '@l2o/core';

export interface ClassSubsetOptions {
  /**
   * Renumber the kept labels 0…k−1 in the order given (and set `numClasses` to k), for a k-way classifier.
   * Default false: labels and `numClasses` stay those of the source.
   */
  readonly relabel?: boolean;
  /** Name of the view. Default `${source.name}-classes-${labels joined by '-'}`. */
  readonly name?: string;
}

/**
 * A view of a dataset holding only the images whose label is in `labels` (in source order), e.g. the paper's
 * held-out CIFAR-5 and CIFAR-2. Labels may be given as numbers or class names. The pixels are copied once.
 */
export function classSubset(
  source: ImageDataset,
  labels: readonly (number | string)[],
  options: ClassSubsetOptions = {},
): ImageDataset {
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new L2oError(
      'INVALID_OPTION',
      'classSubset.labels: must be a non-empty array of label numbers or class names',
    );
  }
  const ids = labels.map((l) => {
    const id = typeof l === 'string' ? source.classNames.indexOf(l) : l;
    if (!Number.isInteger(id) || id < 0 || id >= source.numClasses) {
      throw new L2oError(
        'INVALID_OPTION',
        `classSubset.labels: ${JSON.stringify(l)} is not a label of "${source.name}"; allowed: 0…${source.numClasses - 1} or ${source.classNames.join(', ')}`,
      );
    }
    return id;
  });
  if (new Set(ids).size !== ids.length)
    throw new L2oError('INVALID_OPTION', `classSubset.labels: duplicates in ${JSON.stringify(labels)}`);
  const relabel = options.relabel ?? false;
  const map = new Int16Array(source.numClasses).fill(-1);
  ids.forEach((id, i) => {
    map[id] = relabel ? i : id;
  });
  let n = 0;
  for (let i = 0; i < source.size; i++) if (map[source.labels[i]!]! >= 0) n++;
  const per = imageSize(source);
  const images = new Float32Array(n * per);
  const out = new Uint8Array(n);
  let j = 0;
  for (let i = 0; i < source.size; i++) {
    const m = map[source.labels[i]!]!;
    if (m < 0) continue;
    images.set(source.images.subarray(i * per, (i + 1) * per), j * per);
    out[j++] = m;
  }
  return {
    name: options.name ?? `${source.name}-classes-${ids.join('-')}`,
    size: n,
    height: source.height,
    width: source.width,
    channels: source.channels,
    images,
    labels: out,
    numClasses: relabel ? ids.length : source.numClasses,
    classNames: relabel ? ids.map((id) => source.classNames[id]!) : source.classNames,
  };
}
