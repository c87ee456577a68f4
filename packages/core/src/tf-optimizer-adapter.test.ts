import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from './adam.js';
import { initEngine } from './engine/engine.js';
import { Rng } from './rng.js';
import { L2O_STATE_WEIGHT, L2oTfOptimizer, toTfOptimizer } from './tf-optimizer-adapter.js';
import type { Optimizer, TensorMap } from './types.js';

let X: tf.Tensor2D;
let Y: tf.Tensor2D;

beforeAll(async () => {
  await initEngine('wasm');
  const rng = Rng.seeded(42);
  X = tf.tensor2d(rng.normalArray(64 * 5), [64, 5]);
  Y = tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 64 }, () => rng.int(3)),
        'int32',
      ),
      3,
    ),
  ) as tf.Tensor2D;
});

/** Plain SGD written against the l2o contract: updates = −α g, state = number of steps. */
function plainSgd(lr: number): Optimizer<{ step: number }> {
  return {
    name: `test-sgd(${lr})`,
    init: () => ({ step: 0 }),
    update: (grads, state) => ({
      updates: tf.tidy(() =>
        Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, -lr)])),
      ) as TensorMap,
      state: { step: state.step + 1 },
    }),
  };
}

/** Heavy-ball momentum: a tensor state that must survive across steps and `fit` calls. */
function momentum(lr: number, mu: number): Optimizer<{ v: TensorMap }> {
  return {
    name: `test-momentum(${lr},${mu})`,
    init: (params) => ({
      v: tf.tidy(() => Object.fromEntries(Object.entries(params).map(([k, p]) => [k, tf.zerosLike(p)]))),
    }),
    update: (grads, state) =>
      tf.tidy(() => {
        const v: Record<string, tf.Tensor> = {};
        const updates: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) {
          v[k] = tf.sub(tf.mul(state.v[k]!, mu), tf.mul(g, lr));
          updates[k] = v[k];
        }
        return { updates, state: { v } };
      }),
  };
}

let initial: tf.Tensor[] | undefined;

/** Two dense layers with fixed starting weights (the same for every model of a test). */
function makeModel(optimizer: tf.Optimizer): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [5], units: 8, activation: 'tanh' }),
      tf.layers.dense({ units: 3, activation: 'softmax' }),
    ],
  });
  if (!initial) initial = model.getWeights().map((w) => tf.clone(w));
  else model.setWeights(initial);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

async function fit(model: tf.Sequential, epochs: number): Promise<number[]> {
  const h = await model.fit(X, Y, { epochs, batchSize: 16, shuffle: false, verbose: 0 });
  return h.history['loss'] as number[];
}

function weightsOf(model: tf.Sequential): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array[], b: Float32Array[]): number {
  let m = 0;
  a.forEach((x, i) => x.forEach((v, j) => (m = Math.max(m, Math.abs(v - b[i]![j]!)))));
  return m;
}

describe('toTfOptimizer', () => {
  it('is a tf.Optimizer that model.compile accepts', () => {
    const opt = toTfOptimizer(plainSgd(0.1));
    expect(opt).toBeInstanceOf(tf.Optimizer);
    expect(opt).toBeInstanceOf(L2oTfOptimizer);
    expect(opt.getClassName()).toBe('L2oOptimizer');
    expect(opt.getConfig()).toEqual({ optimizer: 'test-sgd(0.1)', onVariablesChange: 'error' });
  });

  it('plain SGD through the adapter reproduces tf.train.sgd exactly in model.fit', async () => {
    const a = makeModel(toTfOptimizer(plainSgd(0.3)));
    const b = makeModel(tf.train.sgd(0.3));
    const la = await fit(a, 3);
    const lb = await fit(b, 3);
    expect(la).toEqual(lb);
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBe(0);
    expect(la[2]!).toBeLessThan(la[0]!);
    // The weights moved: the comparison is not between two untouched models.
    expect(
      maxAbsDiff(
        weightsOf(a),
        initial!.map((t) => t.dataSync() as Float32Array),
      ),
    ).toBeGreaterThan(1e-3);
    a.dispose();
    b.dispose();
  });

  it("core's adam through the adapter follows tf.train.adam's trajectory", async () => {
    const opt = toTfOptimizer(adam({ learningRate: 0.01 }));
    const a = makeModel(opt);
    const b = makeModel(tf.train.adam(0.01));
    const la = await fit(a, 4);
    const lb = await fit(b, 4);
    expect(la).toEqual(lb); // bit-identical: same float32 operations in the same order
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBe(0);
    expect(opt.l2oState?.step).toBe(16); // 4 epochs × 4 batches
    expect(opt.iterations).toBe(16);
    a.dispose();
    b.dispose();
    opt.dispose();
  });

  it('keeps the state across fit calls: 2 × fit(1 epoch) equals fit(2 epochs) and tf.train.adam', async () => {
    const once = makeModel(toTfOptimizer(adam({ learningRate: 0.02 })));
    const twice = makeModel(toTfOptimizer(adam({ learningRate: 0.02 })));
    const ref = makeModel(tf.train.adam(0.02));
    const fresh = makeModel(toTfOptimizer(adam({ learningRate: 0.02 })));
    await fit(once, 2);
    await fit(twice, 1);
    await fit(twice, 1);
    await fit(ref, 2);
    await fit(fresh, 1);
    // A second fit that restarted Adam (fresh moments, step 1 bias correction) would land elsewhere.
    const restarted = makeModel(toTfOptimizer(adam({ learningRate: 0.02 })));
    restarted.setWeights(fresh.getWeights());
    await fit(restarted, 1);
    expect(maxAbsDiff(weightsOf(once), weightsOf(twice))).toBe(0);
    expect(maxAbsDiff(weightsOf(twice), weightsOf(ref))).toBe(0);
    expect(maxAbsDiff(weightsOf(twice), weightsOf(restarted))).toBeGreaterThan(1e-4);
    // A tensor state (momentum) carries over too.
    const m1 = makeModel(toTfOptimizer(momentum(0.05, 0.9)));
    const m2 = makeModel(toTfOptimizer(momentum(0.05, 0.9)));
    const mref = makeModel(tf.train.momentum(0.05, 0.9));
    await fit(m1, 2);
    await fit(m2, 1);
    await fit(m2, 1);
    await fit(mref, 2);
    expect(maxAbsDiff(weightsOf(m1), weightsOf(m2))).toBe(0);
    expect(maxAbsDiff(weightsOf(m1), weightsOf(mref))).toBeLessThan(1e-5);
    for (const m of [once, twice, ref, fresh, restarted, m1, m2, mref]) m.dispose();
  });

  it('does not leak: numTensors is flat across epochs, and dispose frees the state', async () => {
    const opt = toTfOptimizer(adam({ learningRate: 0.01 }));
    const model = makeModel(opt);
    await fit(model, 1); // creates the state
    const counts: number[] = [];
    await model.fit(X, Y, {
      epochs: 5,
      batchSize: 16,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    expect(new Set(counts).size).toBe(1);
    const before = tf.memory().numTensors;
    const stateTensors = 2 * 4; // m and v for 4 weight tensors
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before - stateTensors);
    model.dispose();
  });

  it('getWeights / setWeights round-trip the state exactly', async () => {
    const a = makeModel(toTfOptimizer(adam({ learningRate: 0.01 })));
    await fit(a, 1);
    const weights = await (a.optimizer as L2oTfOptimizer).getWeights();
    expect(weights[0]!.name).toBe('iter');
    expect(weights[1]!.name).toBe(L2O_STATE_WEIGHT);
    expect(weights).toHaveLength(2 + 8);
    const bOpt = toTfOptimizer(adam({ learningRate: 0.01 }));
    const b = makeModel(bOpt);
    b.setWeights(a.getWeights());
    await bOpt.setWeights(weights);
    expect(bOpt.iterations).toBe(4);
    expect(bOpt.l2oState?.step).toBe(4);
    const savedNames = [...(bOpt.variableNames ?? [])];
    await fit(a, 1);
    await fit(b, 1); // b's layers have other names: the restored state is matched by position
    expect(maxAbsDiff(weightsOf(a), weightsOf(b))).toBe(0);
    expect(bOpt.variableNames).not.toEqual(savedNames);
    expect(bOpt.variableNames).toEqual(b.trainableWeights.map((w) => (w.read() as tf.Variable).name));
    tf.dispose(weights.slice(0, 2).map((w) => w.tensor));
    const wrong = toTfOptimizer(plainSgd(0.1));
    const w2 = await (a.optimizer as L2oTfOptimizer).getWeights();
    await expect(wrong.setWeights(w2)).rejects.toThrow(
      /saved by "adam\(lr=0\.01\)", this adapter runs "test-sgd\(0\.1\)"/,
    );
    tf.dispose(w2.slice(0, 2).map((w) => w.tensor));
    a.dispose();
    b.dispose();
  });

  it('rejects a changed variable set unless told to reset, and bad options', () => {
    const v1 = tf.variable(tf.tensor1d([1, 2]), true, 'adapter-test-v1');
    const v2 = tf.variable(tf.tensor1d([3]), true, 'adapter-test-v2');
    const opt = toTfOptimizer(plainSgd(0.5));
    opt.minimize(() => tf.sum(tf.square(v1)) as tf.Scalar, false, [v1]);
    expect(Array.from(v1.dataSync())).toEqual([0, 0]); // 1 − 0.5·2·1, 2 − 0.5·2·2
    expect(() => opt.minimize(() => tf.sum(tf.square(v2)) as tf.Scalar, false, [v2])).toThrow(
      /variables changed since the first step \(new: adapter-test-v2; missing: adapter-test-v1\)/,
    );
    const lenient = toTfOptimizer(plainSgd(0.5), { onVariablesChange: 'reset' });
    lenient.minimize(() => tf.sum(tf.square(v1)) as tf.Scalar, false, [v1]);
    lenient.minimize(() => tf.sum(tf.square(v2)) as tf.Scalar, false, [v2]);
    expect(v2.dataSync()[0]).toBe(0);
    expect(lenient.variableNames).toEqual(['adapter-test-v2']);
    expect(() => toTfOptimizer(plainSgd(0.1), { onVariablesChange: 'ignore' as 'reset' })).toThrow(
      /onVariablesChange: unknown "ignore"; allowed values: error, reset/,
    );
    expect(() => toTfOptimizer({} as Optimizer)).toThrow(/must be an l2o Optimizer/);
    tf.dispose([v1, v2]);
  });
});

describe('toTfOptimizer totalSteps', () => {
  it('passes totalSteps to init as InitContext, and refuses a bad value naming the field', () => {
    const seen: unknown[] = [];
    const base = plainSgd(0.1);
    const probe: Optimizer<{ step: number }> = {
      ...base,
      init: (params, context) => {
        seen.push(context);
        return base.init(params);
      },
    };
    const v = tf.variable(tf.tensor1d([1, 2]), true, 'ctx-probe');
    const opt = toTfOptimizer(probe, { totalSteps: 50 });
    opt.minimize(() => tf.sum(tf.square(v)) as tf.Scalar);
    expect(seen).toEqual([{ totalSteps: 50 }]);
    opt.dispose();
    v.dispose();
    expect(() => toTfOptimizer(probe, { totalSteps: 0 })).toThrow(/totalSteps: must be a positive integer/);
    expect(() => toTfOptimizer(probe, { totalSteps: 2.5 })).toThrow(/totalSteps/);
  });
});
