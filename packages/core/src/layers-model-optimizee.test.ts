import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from './adam.js';
import { initEngine } from './engine/engine.js';
import { evaluate } from './evaluate.js';
import { L2oError } from './l2o-error.js';
import { type LayersBatch, optimizeeFromLayersModel } from './layers-model-optimizee.js';
import { lossAndGrad } from './loss-and-grad.js';
import { metaTrain } from './meta-train.js';
import { registerOptimizeeConformance } from './optimizee-conformance.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned } from './test-fixtures.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const FEATURES = 6;
const CLASSES = 3;

/** A small classifier: dense(8, tanh) → dense(3, softmax), seeded, compiled with categorical cross-entropy. */
function classifier(compiled = true): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [FEATURES],
        units: 8,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      }),
      tf.layers.dense({
        units: CLASSES,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }),
      }),
    ],
  });
  if (compiled) model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return model;
}

/** Batches of a fixed linear labelling rule: the class is the argmax of x·R for a fixed R. */
function data(rng: Rng): LayersBatch {
  const n = 16;
  const x = rng.normalArray(n * FEATURES);
  const y = new Float32Array(n * CLASSES);
  for (let i = 0; i < n; i++) {
    const s = [0, 1, 2].map((c) => x[i * FEATURES + c]! - 0.5 * x[i * FEATURES + c + 3]!);
    y[i * CLASSES + s.indexOf(Math.max(...s))] = 1;
  }
  return { xs: tf.tensor2d(x, [n, FEATURES]), ys: tf.tensor2d(y, [n, CLASSES]) };
}

function weightsOf(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => Float32Array.from(w.dataSync()));
}

describe('optimizeeFromLayersModel', () => {
  it("params are the trainable weights by name; loss and gradients equal the model's (tf.variableGrads)", () => {
    const model = classifier();
    const family = optimizeeFromLayersModel(model, data);
    expect(family.weightNames).toEqual(model.trainableWeights.map((w) => w.name));
    const task = family.sample(Rng.seeded(1));
    const params = task.init(Rng.seeded(2));
    const batch = task.sampleBatch(Rng.seeded(3));
    const { loss, grads } = lossAndGrad(task, params, batch);
    // The compiled loss (categorical cross-entropy on probabilities) computed by hand, and its gradients.
    const ref = tf.variableGrads(
      () =>
        tf.mean(
          tf.neg(tf.sum(tf.mul(batch.ys as tf.Tensor, tf.log(model.predict(batch.xs) as tf.Tensor)), -1)),
        ) as tf.Scalar,
    );
    expect(loss.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0]!, 5);
    for (const w of model.trainableWeights) {
      const ours = grads[w.name]!.dataSync();
      const theirs = ref.grads[w.name]!.dataSync();
      expect(ours.length).toBe(theirs.length);
      let maxDiff = 0;
      let scale = 0;
      ours.forEach((g, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(g - theirs[i]!));
        scale = Math.max(scale, Math.abs(theirs[i]!));
      });
      expect(scale).toBeGreaterThan(0);
      expect(maxDiff).toBeLessThan(1e-5 * Math.max(1, scale));
    }
    tf.dispose([loss, ref.value, batch as unknown as tf.TensorContainer]);
    disposeMap(grads);
    disposeMap(ref.grads);
    disposeMap(params);
  });

  it("the loss is a pure function of the params: other params give another loss; the model's weights are untouched", () => {
    const model = classifier();
    const before = weightsOf(model);
    const family = optimizeeFromLayersModel(model, data);
    const task = family.sample(Rng.seeded(1));
    const batch = task.sampleBatch(Rng.seeded(3));
    const params = task.init(Rng.seeded(2));
    const zeros = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.zerosLike(v)]));
    const tripled = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.mul(v, 3)]));
    const a = task.loss(params, batch);
    const b = task.loss(tripled, batch);
    const z = task.loss(zeros, batch);
    // All-zero weights: uniform softmax, loss ln 3.
    expect(z.dataSync()[0]).toBeCloseTo(Math.log(3), 5);
    expect(Math.abs(a.dataSync()[0]! - b.dataSync()[0]!)).toBeGreaterThan(1e-2);
    const { loss, grads } = lossAndGrad(task, zeros, batch);
    expect(weightsOf(model)).toEqual(before);
    expect(model.trainableWeights.every((w) => !w.read().isDisposed)).toBe(true);
    tf.dispose([a, b, z, loss, batch as unknown as tf.TensorContainer]);
    disposeMap(tripled);
    disposeMap(grads);
    disposeMap(zeros);
    disposeMap(params);
  });

  it('the compiled loss is the one model.evaluate reports, for sequential and functional models', () => {
    const input = tf.input({ shape: [FEATURES] });
    const hidden = tf.layers.dense({ units: 5, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: CLASSES }).apply(hidden) as tf.SymbolicTensor;
    const functional = tf.model({ inputs: input, outputs: output });
    functional.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    for (const model of [classifier(), functional]) {
      const task = optimizeeFromLayersModel(model, data).sample(Rng.seeded(1));
      const params = task.init(Rng.seeded(1));
      const batch = task.sampleBatch(Rng.seeded(4));
      const ours = task.loss(params, batch);
      const theirs = model.evaluate(batch.xs, batch.ys, { batchSize: 16 }) as tf.Scalar;
      expect(ours.dataSync()[0]).toBeCloseTo(theirs.dataSync()[0]!, 5);
      tf.dispose([ours, theirs, batch as unknown as tf.TensorContainer]);
      disposeMap(params);
    }
  });

  it('takes a given loss, an iterator of batches, and writes trained weights back', () => {
    const model = classifier(false);
    expect(() => optimizeeFromLayersModel(model, data)).toThrow(/options.loss: the model ".*" is not compiled/);
    function* batches(): Generator<LayersBatch> {
      const rng = Rng.seeded(9);
      for (let i = 0; i < 2; i++) yield data(rng);
    }
    const family = optimizeeFromLayersModel(model, batches(), {
      loss: (y, p) => tf.sum(tf.square(tf.sub(y, p)), -1),
    });
    const task = family.sample(Rng.seeded(1));
    const b1 = task.sampleBatch(Rng.seeded(0));
    const b2 = task.sampleBatch(Rng.seeded(0));
    let caught: unknown;
    try {
      task.sampleBatch(Rng.seeded(0));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(L2oError);
    expect((caught as L2oError).code).toBe('INVALID_STATE');
    const params = task.init(Rng.seeded(0));
    const p = model.predict(b1.xs) as tf.Tensor;
    const want = tf.mean(tf.sum(tf.square(tf.sub(b1.ys as tf.Tensor, p)), -1));
    const got = task.loss(params, b1);
    expect(got.dataSync()[0]).toBeCloseTo(want.dataSync()[0]!, 6);
    const shifted = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, tf.add(v, 0.5)]));
    family.writeWeights(shifted);
    expect(Array.from(model.trainableWeights[0]!.read().dataSync())).toEqual(
      Array.from(shifted[family.weightNames[0]!]!.dataSync()),
    );
    expect(() => family.writeWeights({})).toThrow(/writeWeights: params must hold/);
    tf.dispose([p, want, got, b1 as unknown as tf.TensorContainer, b2 as unknown as tf.TensorContainer]);
    disposeMap(params);
    disposeMap(shifted);
  });

  it('refuses bad input with typed errors naming the field', () => {
    const model = classifier();
    const code = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        return e instanceof L2oError ? `${e.code}: ${e.message}` : `untyped: ${String(e)}`;
      }
      return 'accepted';
    };
    expect(code(() => optimizeeFromLayersModel({} as never, data))).toMatch(/^INVALID_OPTION: .*model must be/);
    expect(code(() => optimizeeFromLayersModel(model, 3 as never))).toMatch(/^INVALID_OPTION: .*data must be/);
    expect(code(() => optimizeeFromLayersModel(model, data, { loss: [] }))).toMatch(/^INVALID_OPTION: .*options.loss/);
    const task = optimizeeFromLayersModel(model, () => ({ xs: 1, ys: 2 }) as never).sample(Rng.seeded(1));
    expect(code(() => task.sampleBatch(Rng.seeded(1)))).toMatch(/^INVALID_OPTION: .*data: the function must give/);
  });

  it('a baseline lowers the loss (evaluate) and a learned optimizer meta-trains on it (metaTrain)', async () => {
    const model = classifier();
    const before = weightsOf(model);
    const family = optimizeeFromLayersModel(model, data, {
      // Each problem starts from the model's weights plus a little noise of its own.
      init: (rng, w) =>
        Object.fromEntries(
          Object.entries(w).map(([k, v]) => {
            const moved = tf.tidy(() => tf.add(v, tf.tensor(rng.normalArray(v.size, 0, 0.05), v.shape)));
            v.dispose();
            return [k, moved];
          }),
        ),
    });
    const run = () =>
      evaluate({
        family,
        optimizers: [{ name: 'adam', optimizer: adam({ learningRate: 0.05 }) }],
        problems: 2,
        steps: 40,
        seed: 1,
      });
    await run(); // a first run, so that caches filled on first use are not counted
    const n0 = tf.memory().numTensors;
    const result = await run();
    const mean = result.curves[0]!.mean;
    expect(mean[mean.length - 1]!).toBeLessThan(0.6 * mean[0]!);
    const learned = tinyLearned();
    const trained = await metaTrain({
      learned,
      family,
      epochs: 3,
      horizon: 8,
      unroll: 4,
      seed: 3,
      metaLearningRate: 0.01,
      validateEvery: 3,
      validationProblems: 2,
    });
    expect(trained.history).toHaveLength(3);
    expect(trained.history.every((h) => Number.isFinite(h.metaLoss))).toBe(true);
    disposeMap(trained.metaParams);
    disposeMap(trained.lastMetaParams);
    expect(tf.memory().numTensors).toBe(n0);
    expect(weightsOf(model)).toEqual(before);
  }, 120_000);
});

registerOptimizeeConformance(
  {
    name: 'optimizeeFromLayersModel',
    make: () => optimizeeFromLayersModel(classifier(), data),
    badOptions: [
      { field: 'options.loss', make: () => optimizeeFromLayersModel(classifier(false), data) },
      { field: 'data', make: () => optimizeeFromLayersModel(classifier(), null as never) },
    ],
  },
  { describe, it },
);
