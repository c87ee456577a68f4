import * as tf from '@tensorflow/tfjs';
import { L2oError, type Optimizee, type OptimizeeFamily, type Rng, type TensorMap } from '@l2o/core';
import {
  MNIST_SPLITS,
  loadMnistSplit,
  resolveValidationSize,
  type MnistSplit,
  type MnistSplitName,
} from './mnist-data.js';
import {
  MLP_ACTIVATIONS,
  checkWeightInit,
  forwardLayers,
  initLayers,
  layersSize,
  type MlpActivation,
  type MlpWeightInit,
} from './mlp-layers.js';
import { MNIST_SIDE, mnistImagesAtSide } from './mnist-shrink.js';

export interface MnistAutoencoderOptions {
  /** Which data the problems draw minibatches from. Default 'train'. */
  readonly split?: MnistSplitName;
  /**
   * Widths of the encoder's layers down to the code, e.g. `[64, 16]`; the decoder mirrors them back to the
   * image (784 → 64 → 16 → 64 → 784). Default `[32]`.
   */
  readonly hidden?: readonly number[];
  /** Nonlinearity of every hidden layer (the code included). Default 'relu'. */
  readonly activation?: MlpActivation;
  /** Minibatch size, drawn with replacement at every `sampleBatch`. Default 128. */
  readonly batchSize?: number;
  /** Initial weights: N(0, σ²) for a number σ, or 'glorot' / 'he' (default 'he'). Biases start at 0. */
  readonly initStd?: MlpWeightInit;
  /** Images carved off the end of the training file for `validation`. Default 10,000. */
  readonly validationSize?: number;
  /** Side of the images: 28 (default) or smaller, shrunk by area averaging. */
  readonly imageSide?: number;
}

export interface ResolvedMnistAutoencoderOptions {
  readonly split: MnistSplitName;
  readonly hidden: readonly number[];
  readonly activation: MlpActivation;
  readonly batchSize: number;
  readonly initStd: MlpWeightInit;
  readonly validationSize: number;
  readonly imageSide: number;
}

/** One minibatch of images x [B, imageSide²] in [0, 1] (the target is x itself). The caller disposes it. */
export type MnistImagesBatch = { readonly x: tf.Tensor2D };

const KNOWN_OPTIONS = ['split', 'hidden', 'activation', 'batchSize', 'initStd', 'validationSize', 'imageSide'];

export function resolveMnistAutoencoderOptions(options: MnistAutoencoderOptions = {}): ResolvedMnistAutoencoderOptions {
  const where = 'mnistAutoencoder';
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', `${where}: options must be an object`);
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(k))
      throw new L2oError('INVALID_OPTION', `${where}: unknown option "${k}"; allowed: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const split = options.split ?? 'train';
  if (!(MNIST_SPLITS as readonly string[]).includes(split)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.split: unknown "${String(split)}"; allowed values: ${MNIST_SPLITS.join(', ')}`,
    );
  }
  const hidden = options.hidden ?? [32];
  if (!Array.isArray(hidden) || hidden.length === 0 || !hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.hidden: must be a non-empty array of positive integers, got ${JSON.stringify(hidden)}`,
    );
  }
  const activation = options.activation ?? 'relu';
  if (!(MLP_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.activation: unknown "${String(activation)}"; allowed values: ${MLP_ACTIVATIONS.join(', ')}`,
    );
  }
  const batchSize = options.batchSize ?? 128;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new L2oError('INVALID_OPTION', `${where}.batchSize: must be a positive integer, got ${batchSize}`);
  }
  const initStd = checkWeightInit(options.initStd ?? 'he', `${where}.initStd`);
  let validationSize: number;
  try {
    validationSize = resolveValidationSize({ validationSize: options.validationSize });
  } catch (e) {
    throw new L2oError(
      e instanceof L2oError ? e.code : 'INVALID_OPTION',
      (e as Error).message.replace(/^mnist\./, `${where}.`),
      { cause: e },
    );
  }
  if (split === 'validation' && validationSize === 0) {
    throw new L2oError('INVALID_OPTION', `${where}.split: "validation" needs validationSize > 0`);
  }
  const imageSide = options.imageSide ?? MNIST_SIDE;
  if (!Number.isInteger(imageSide) || imageSide < 1 || imageSide > MNIST_SIDE) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}.imageSide: must be an integer in 1…${MNIST_SIDE}, got ${String(imageSide)}`,
    );
  }
  return { split, hidden: [...hidden], activation, batchSize, initStd, validationSize, imageSide };
}

/** Layer widths of the autoencoder, e.g. [784, 32, 784] or [784, 64, 16, 64, 784]. */
export function autoencoderLayerSizes(hidden: readonly number[], imageSide = MNIST_SIDE): number[] {
  const pixels = imageSide * imageSide;
  return [pixels, ...hidden, ...hidden.slice(0, -1).reverse(), pixels];
}

/**
 * One MNIST autoencoder problem: x̂ = sigmoid(decoder(encoder(x))), loss = mean squared error over the pixels and
 * the images of a minibatch, (1/(B·P)) Σ (x̂ − x)². Parameters `layer{i}/w` [in, out], `layer{i}/b` [out].
 */
export class MnistAutoencoderProblem implements Optimizee<MnistImagesBatch> {
  readonly name: string;
  readonly options: ResolvedMnistAutoencoderOptions;
  readonly data: MnistSplit;
  private readonly sizes: number[];
  private readonly pixels: Float32Array;

  constructor(options: ResolvedMnistAutoencoderOptions, data: MnistSplit) {
    this.options = options;
    this.data = data;
    this.sizes = autoencoderLayerSizes(options.hidden, options.imageSide);
    this.name = `mnist-autoencoder-${this.sizes.join('-')}-${options.activation}`;
    this.pixels = mnistImagesAtSide(data, options.imageSide);
  }

  /** Number of scalar parameters. */
  get size(): number {
    return layersSize(this.sizes);
  }

  init(rng: Rng): TensorMap {
    return initLayers(this.sizes, this.options.initStd, rng);
  }

  sampleBatch(rng: Rng): MnistImagesBatch {
    const { batchSize } = this.options;
    const p = this.sizes[0]!;
    const x = new Float32Array(batchSize * p);
    for (let r = 0; r < batchSize; r++) {
      const i = rng.int(this.data.size);
      x.set(this.pixels.subarray(i * p, (i + 1) * p), r * p);
    }
    return { x: tf.tensor2d(x, [batchSize, p]) };
  }

  /** The reconstructions x̂ [B, P] in (0, 1). */
  reconstruct(params: TensorMap, x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() =>
      tf.sigmoid(forwardLayers(params, this.sizes, this.options.activation, x, `${this.name}.loss`)),
    ) as tf.Tensor2D;
  }

  loss(params: TensorMap, batch: MnistImagesBatch): tf.Scalar {
    return tf.tidy(() => tf.mean(tf.square(tf.sub(this.reconstruct(params, batch.x), batch.x))) as tf.Scalar);
  }

  dispose(): void {
    // The data is shared plain JS memory; nothing to free.
  }
}

/** The family returned by {@link mnistAutoencoderFamily}. */
export interface MnistAutoencoderFamily extends OptimizeeFamily<MnistImagesBatch> {
  readonly options: ResolvedMnistAutoencoderOptions;
  sample(rng: Rng): MnistAutoencoderProblem;
}

/** Autoencoders of MNIST digits: every `sample` is a fresh network (θ₀ drawn by `init(rng)`). */
export function mnistAutoencoderFamily(options: MnistAutoencoderOptions = {}): MnistAutoencoderFamily {
  const opts = resolveMnistAutoencoderOptions(options);
  let data: MnistSplit | undefined;
  const sizes = autoencoderLayerSizes(opts.hidden, opts.imageSide);
  return {
    name: `mnist-autoencoder-${sizes.join('-')}-${opts.activation}-${opts.split}`,
    options: opts,
    sample(): MnistAutoencoderProblem {
      data ??= loadMnistSplit(opts.split, { validationSize: opts.validationSize });
      return new MnistAutoencoderProblem(opts, data);
    },
  };
}
