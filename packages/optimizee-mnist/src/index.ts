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
export {
  mnistMlpFamily,
  MnistMlpProblem,
  resolveMnistMlpOptions,
  mlpParamNames,
  mlpLayerSizes,
  MLP_ACTIVATIONS,
} from './mlp-family.js';
export type {
  MnistMlpOptions,
  ResolvedMnistMlpOptions,
  MnistBatch,
  MlpActivation,
  MnistMlpFamily,
} from './mlp-family.js';
