export { parseIdx, readIdxFile, encodeIdx, isGzip, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC } from './idx-reader.js';
export type { IdxArray, IdxKind } from './idx-reader.js';
export {
  loadMnistSplit,
  mnistDataDir,
  resolveMnistFiles,
  MNIST_DIR_ENV,
  resolveValidationSize,
  MNIST_SPLITS,
  MNIST_PIXELS,
  MNIST_CLASSES,
  MNIST_TRAIN_FILE_SIZE,
  MNIST_TEST_FILE_SIZE,
  MNIST_DEFAULT_VALIDATION_SIZE,
} from './mnist-data.js';
export type { MnistSplit, MnistSplitName, MnistSplitOptions, MnistDataSource, MnistFiles } from './mnist-data.js';
export { mnistMlpFamily, MnistMlpProblem, resolveMnistMlpOptions, mlpLayerSizes } from './mlp-family.js';
export type { MnistMlpOptions, ResolvedMnistMlpOptions, MnistBatch, MnistMlpFamily } from './mlp-family.js';
export { MLP_ACTIVATIONS, mlpParamNames } from './mlp-layers.js';
export type { MlpActivation, MlpWeightInit } from './mlp-layers.js';
export { MNIST_SIDE, mnistImagesAtSide } from './mnist-shrink.js';
export {
  mnistAutoencoderFamily,
  MnistAutoencoderProblem,
  resolveMnistAutoencoderOptions,
  autoencoderLayerSizes,
} from './autoencoder-family.js';
export type {
  MnistAutoencoderOptions,
  ResolvedMnistAutoencoderOptions,
  MnistImagesBatch,
  MnistAutoencoderFamily,
} from './autoencoder-family.js';
