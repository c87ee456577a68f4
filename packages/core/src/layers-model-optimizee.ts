import * as tf from '@tensorflow/tfjs';
import { L2oError } from './l2o-error.js';
import type { Rng } from './rng.js';
import type { Optimizee, OptimizeeFamily, TensorMap } from './types.js';

/** One batch for a layers model: its inputs and targets (arrays for models with several inputs or outputs). */
export type LayersBatch = {
  readonly xs: tf.Tensor | tf.Tensor[];
  readonly ys: tf.Tensor | tf.Tensor[];
};

/**
 * Where the batches come from: a function of the problem's random stream (deterministic batches: the same rng
 * state gives the same batch), or an iterator (a generator, a `tf.data` iterator wrapped as one). Every batch
 * must be new tensors: whoever calls `sampleBatch` owns and disposes them.
 */
export type LayersDataSource = ((rng: Rng) => LayersBatch) | Iterator<LayersBatch>;

/** A loss of (targets, predictions), per example (`[batch]`) or already reduced; its mean is the loss. */
export type LayersLossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

export interface LayersModelOptimizeeOptions {
  /** Shown in reports. Default `layers:<model.name>`. */
  readonly name?: string;
  /** The loss, one per output (or one for all). Default: the losses `model.compile` was given. */
  readonly loss?: LayersLossFn | readonly LayersLossFn[];
  /**
   * θ₀ of each problem, from the problem's rng and a copy of the model's current weights (which this function
   * owns: return them, or dispose those it replaces). Default: the model's current weights.
   */
  readonly init?: (rng: Rng, weights: TensorMap) => TensorMap;
}

/** What {@link optimizeeFromLayersModel} returns: a family whose problems all train the given model's weights. */
export interface LayersModelFamily extends OptimizeeFamily<LayersBatch> {
  /** The names of the model's trainable weights: the parameter names, in the model's order. */
  readonly weightNames: readonly string[];
  /** Writes `params` (e.g. the result of training with a learned optimizer) into the model's weights. */
  writeWeights(params: TensorMap): void;
}

/** The part of a tfjs LayerVariable this module relies on: `val` is the tensor `read()` returns. */
interface SwappableVariable {
  readonly name: string;
  readonly shape: number[];
  read(): tf.Tensor;
  write(t: tf.Tensor): unknown;
  val: tf.Tensor;
}

const WHERE = 'optimizeeFromLayersModel';

function toArray(t: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(t) ? t : [t];
}

function modelLosses(model: tf.LayersModel, given: LayersModelOptimizeeOptions['loss']): LayersLossFn[] {
  const outputs = model.outputs.length;
  if (given !== undefined) {
    const list = typeof given === 'function' ? Array.from({ length: outputs }, () => given) : [...given];
    if (list.length !== outputs || list.some((f) => typeof f !== 'function')) {
      throw new L2oError(
        'INVALID_OPTION',
        `${WHERE}: options.loss must be a function (yTrue, yPred) => tf.Tensor or an array of ${outputs} (one per output)`,
      );
    }
    return list;
  }
  // A tf.Sequential compiles the tf.LayersModel it wraps (`model.model`), which holds the loss functions.
  type Compiled = { lossFunctions?: LayersLossFn[]; model?: Compiled };
  const m = model as unknown as Compiled;
  const compiled = m.lossFunctions ?? m.model?.lossFunctions;
  if (!Array.isArray(compiled) || compiled.length === 0) {
    throw new L2oError(
      'INVALID_OPTION',
      `${WHERE}: options.loss: the model "${model.name}" is not compiled; compile it with a loss or pass options.loss`,
    );
  }
  return compiled;
}

/**
 * An optimizee family from a user's tfjs-layers model and its data, so a learned optimizer can be meta-trained
 * or evaluated on it. The parameters are the model's trainable weights, by name (`dense_Dense1/kernel`, …); the
 * loss is a pure function of them: for each call the model's layers read the given parameter tensors in place of
 * their variables (restored before the call returns, so gradients flow to the parameters and the model's own
 * weights are never written), in inference mode (dropout off, batch norm on its moving statistics). The loss is
 * the mean of the compiled loss of each output (summed over outputs) or of `options.loss`. Non-trainable weights
 * and regularisation penalties of the layers stay as the model has them (penalties are not added).
 *
 * ```ts
 * const family = optimizeeFromLayersModel(model, (rng) => ({ xs: …, ys: … }));
 * const trained = await metaTrain({ learned, family, … });
 * ```
 */
export function optimizeeFromLayersModel(
  model: tf.LayersModel,
  data: LayersDataSource,
  options: LayersModelOptimizeeOptions = {},
): LayersModelFamily {
  if (model === null || typeof model !== 'object' || typeof model.apply !== 'function') {
    throw new L2oError('INVALID_OPTION', `${WHERE}: model must be a tf.LayersModel`);
  }
  const nextBatch = batchSource(data);
  if (options === null || typeof options !== 'object') {
    throw new L2oError('INVALID_OPTION', `${WHERE}: options must be an object`);
  }
  if (options.init !== undefined && typeof options.init !== 'function') {
    throw new L2oError('INVALID_OPTION', `${WHERE}: options.init must be a function (rng, weights) => TensorMap`);
  }
  const losses = modelLosses(model, options.loss);
  const variables = model.trainableWeights as unknown as SwappableVariable[];
  if (variables.length === 0) {
    throw new L2oError('INVALID_OPTION', `${WHERE}: model "${model.name}" has no trainable weights`);
  }
  for (const v of variables) {
    if (!(v.val instanceof tf.Tensor) || typeof v.read !== 'function') {
      throw new L2oError(
        'UNSUPPORTED',
        `${WHERE}: weight "${v.name}" is not a tfjs-layers LayerVariable of this @tensorflow/tfjs (two copies installed?)`,
      );
    }
  }
  const names = variables.map((v) => v.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new L2oError('INVALID_OPTION', `${WHERE}: two trainable weights are named "${dup}"`);
  const name = options.name ?? `layers:${model.name}`;

  const forward = (params: TensorMap, batch: LayersBatch): tf.Scalar => {
    const saved = variables.map((v) => v.val);
    variables.forEach((v) => {
      const p = params[v.name];
      if (p === undefined) {
        throw new L2oError('SHAPE_MISMATCH', `${name}.loss: params must hold "${v.name}" (a weight of the model)`);
      }
      if (p.shape.join() !== v.shape.join()) {
        throw new L2oError(
          'SHAPE_MISMATCH',
          `${name}.loss: "${v.name}" has shape [${p.shape.join(', ')}]; the model's weight has [${v.shape.join(', ')}]`,
        );
      }
    });
    try {
      variables.forEach((v) => {
        v.val = params[v.name]!;
      });
      return tf.tidy(() => {
        const preds = toArray(model.apply(batch.xs, { training: false }) as tf.Tensor | tf.Tensor[]);
        const targets = toArray(batch.ys);
        if (targets.length !== preds.length) {
          throw new L2oError(
            'SHAPE_MISMATCH',
            `${name}.loss: the batch holds ${targets.length} targets (ys) for ${preds.length} model outputs`,
          );
        }
        const terms = preds.map((y, i) => tf.mean(losses[i]!(targets[i]!, y)));
        return (terms.length === 1 ? terms[0]! : tf.addN(terms)) as tf.Scalar;
      });
    } finally {
      variables.forEach((v, i) => {
        v.val = saved[i]!;
      });
    }
  };

  const problem: Optimizee<LayersBatch> = {
    name,
    init: (rng: Rng): TensorMap => {
      const current: Record<string, tf.Tensor> = {};
      for (const v of variables) current[v.name] = tf.clone(v.read());
      return options.init ? options.init(rng, current) : current;
    },
    sampleBatch: (rng: Rng): LayersBatch => nextBatch(rng),
    loss: forward,
  };

  return {
    name,
    weightNames: names,
    sample: () => problem,
    writeWeights: (params: TensorMap): void => {
      for (const v of variables) {
        const p = params[v.name];
        if (p === undefined || p.shape.join() !== v.shape.join()) {
          throw new L2oError(
            'SHAPE_MISMATCH',
            `${name}.writeWeights: params must hold "${v.name}" of shape [${v.shape.join(', ')}]`,
          );
        }
      }
      for (const v of variables) v.write(params[v.name]!);
    },
  };
}

function batchSource(data: LayersDataSource): (rng: Rng) => LayersBatch {
  const check = (b: unknown, from: string): LayersBatch => {
    const ok = (t: unknown): boolean =>
      t instanceof tf.Tensor || (Array.isArray(t) && t.every((x) => x instanceof tf.Tensor));
    if (b === null || typeof b !== 'object' || !ok((b as LayersBatch).xs) || !ok((b as LayersBatch).ys)) {
      throw new L2oError(
        'INVALID_OPTION',
        `${WHERE}: data: ${from} must give { xs, ys } of tf.Tensors (or arrays of them)`,
      );
    }
    return b as LayersBatch;
  };
  if (typeof data === 'function') return (rng) => check(data(rng), 'the function');
  if (data !== null && typeof data === 'object' && typeof (data as Iterator<LayersBatch>).next === 'function') {
    const it = data as Iterator<LayersBatch>;
    return () => {
      const r = it.next();
      if (r.done) throw new L2oError('INVALID_STATE', `${WHERE}: data: the iterator has no more batches`);
      return check(r.value, 'the iterator');
    };
  }
  throw new L2oError(
    'INVALID_OPTION',
    `${WHERE}: data must be a function (rng) => { xs, ys } or an iterator of { xs, ys }`,
  );
}
