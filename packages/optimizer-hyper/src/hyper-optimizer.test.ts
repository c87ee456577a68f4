import * as tf from '@tensorflow/tfjs';
import { adam, initEngine, type Optimizer, Rng, type TensorMap } from '@l2o/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FEATURE_NAMES,
  JS_PATH_MAX_PARAMETERS,
  checkHyperMetaParams,
  hyperOptimizer,
  resolveHyperConfig,
  type HyperState,
} from './index.js';
import { initialOutputBias } from './meta-params.js';
import { hyperKernelsAvailable } from './native/hyper-kernels.js';
import { constantPhi, stepPaths } from './test-support.js';

/** The plain-JS path as an optimizer (inference takes it only on backends without l2o's wasm kernels). */
const jsPath = (hidden: number, phi: TensorMap): Optimizer<HyperState> => stepPaths({ hidden }, phi)[2]![1];

beforeAll(async () => {
  await initEngine('wasm');
});

const SHAPES: Record<string, number[]> = { a: [3, 5], b: [5], c: [2, 2, 3] };

function sampleGrads(rng: Rng, scale = 1): TensorMap {
  return Object.fromEntries(
    Object.entries(SHAPES).map(([k, s]) => [
      k,
      tf.tensor(
        rng.normalArray(
          s.reduce((x, y) => x * y, 1),
          0.3,
          scale,
        ),
        s,
      ),
    ]),
  );
}

/** Runs `steps` updates with gradients from `gradRng`; returns every step's updates as arrays (per key). */
function trajectory(opt: Optimizer<HyperState>, steps: number, seed: number, totalSteps?: number): number[][][] {
  const rng = Rng.seeded(seed);
  let params: TensorMap = Object.fromEntries(
    Object.entries(SHAPES).map(([k, s]) => [k, tf.tensor(rng.normalArray(s.reduce((x, y) => x * y, 1)), s)]),
  );
  let state = opt.init(params, totalSteps === undefined ? undefined : { totalSteps });
  const out: number[][][] = [];
  for (let t = 0; t < steps; t++) {
    const grads = sampleGrads(rng, 1 + t / 10);
    const step = opt.update(grads, state, params);
    out.push(Object.keys(SHAPES).map((k) => Array.from(step.updates[k]!.dataSync())));
    const next = Object.fromEntries(Object.keys(SHAPES).map((k) => [k, tf.add(params[k]!, step.updates[k]!)]));
    tf.dispose([Object.values(grads), Object.values(params), Object.values(step.updates), state]);
    params = next;
    state = step.state;
  }
  tf.dispose([Object.values(params), state]);
  return out;
}

describe('hyper optimizer: closed forms', () => {
  it('with a constant controller that picks m̂/√v̂ it is Adam (tf.train.adam numbers) on every path', () => {
    const lr = 0.01;
    const logitS = initialOutputBias()[1]!;
    const phi = constantPhi(8, [0, logitS, -40, 40, -40], lr);
    const learned = hyperOptimizer({ hidden: 8 });
    const reference = trajectory(adam({ learningRate: lr, epsilon: 1e-8 }) as unknown as Optimizer<HyperState>, 15, 5);
    for (const opt of [learned.withMetaParams(phi), learned.inferenceOptimizer!(phi), jsPath(8, phi)]) {
      const got = trajectory(opt, 15, 5);
      got.forEach((stepUpdates, t) =>
        stepUpdates.forEach((u, k) => u.forEach((x, j) => expect(x).toBeCloseTo(reference[t]![k]![j]!, 6))),
      );
    }
    tf.dispose(Object.values(phi));
  });

  it('a constant Δδ output raises the learning rate geometrically: lr_t = lr₀·exp(0.2·tanh(a)·t)', () => {
    const lr = 1e-3;
    const a = 0.7;
    const logitS = initialOutputBias()[1]!;
    const phi = constantPhi(4, [a, logitS, -40, 40, -40], lr);
    const learned = hyperOptimizer({ hidden: 4 });
    const base = trajectory(adam({ learningRate: lr, epsilon: 1e-8 }) as unknown as Optimizer<HyperState>, 12, 9);
    const got = trajectory(learned.inferenceOptimizer!(phi), 12, 9);
    got.forEach((stepUpdates, t) => {
      const factor = Math.exp(0.2 * Math.tanh(a) * (t + 1));
      // The params differ between the two runs, but the updates do not depend on them: compare exactly.
      stepUpdates.forEach((u, k) => u.forEach((x, j) => expect(x / factor).toBeCloseTo(base[t]![k]![j]!, 6)));
    });
    tf.dispose(Object.values(phi));
  });
});

describe('hyper optimizer: the fast paths equal the differentiable one', () => {
  it('over 25 steps with a random controller, with and without totalSteps (wasm kernels, JS loops)', () => {
    expect(hyperKernelsAvailable()).toBe(true);
    const learned = hyperOptimizer({ hidden: 12 });
    const phi = learned.initMetaParams(Rng.seeded(3));
    // A controller with large weights so every feature matters.
    const w2 = tf.mul(tf.randomNormal([12, 5], 0, 1, 'float32', 7), 1);
    const strong = { ...phi, w2 };
    for (const [total, fastPath] of [
      [undefined, learned.inferenceOptimizer!(strong)],
      [30, learned.inferenceOptimizer!(strong)],
      [undefined, jsPath(12, strong)],
      [30, jsPath(12, strong)],
    ] as const) {
      const slow = trajectory(learned.withMetaParams(strong), 25, 11, total);
      const fast = trajectory(fastPath, 25, 11, total);
      let worst = 0;
      slow.forEach((s, t) =>
        s.forEach((u, k) =>
          u.forEach((x, j) => {
            const y = fast[t]![k]![j]!;
            worst = Math.max(worst, Math.abs(x - y) / (Math.abs(x) + 1e-6));
          }),
        ),
      );
      expect(worst).toBeLessThan(2e-3);
      // The two runs must not be trivially equal to plain Adam: the controller moves the rates.
      const adamRun = trajectory(
        adam({ learningRate: 1e-3, epsilon: 1e-8 }) as unknown as Optimizer<HyperState>,
        25,
        11,
      );
      expect(Math.abs(fast[24]![0]![0]! - adamRun[24]![0]![0]!)).toBeGreaterThan(1e-6);
    }
    tf.dispose([Object.values(phi), w2]);
  });

  it('on wasm, the kernels serve a large model (odd size, several tensors): the updates of withMetaParams', () => {
    const learned = hyperOptimizer({ hidden: 4 });
    const phi = learned.initMetaParams(Rng.seeded(5));
    const shapes: Record<string, number[]> = { w: [301, 299], b: [299], s: [3] };
    const params: Record<string, tf.Tensor> = {};
    const grads: Record<string, tf.Tensor> = {};
    Object.entries(shapes).forEach(([k, s], i) => {
      params[k] = tf.randomNormal(s, 0, 0.1, 'float32', 1 + i);
      grads[k] = tf.randomNormal(s, 0, 0.01, 'float32', 11 + i);
    });
    expect(params['w']!.size).toBeGreaterThan(JS_PATH_MAX_PARAMETERS);
    const run = (opt: Optimizer<HyperState>): Float32Array[] => {
      const state = opt.init(params, { totalSteps: 10 });
      const s1 = opt.update(grads, state, params);
      const s2 = opt.update(grads, s1.state, params);
      const u = Object.keys(shapes).map((k) => s2.updates[k]!.dataSync() as Float32Array);
      tf.dispose([state, s1.state, s1.updates, s2.state, s2.updates]);
      return u;
    };
    const fast = run(learned.inferenceOptimizer!(phi));
    const slow = run(learned.withMetaParams(phi));
    fast.forEach((u, k) => u.forEach((x, j) => expect(x).toBeCloseTo(slow[k]![j]!, 7)));
    tf.dispose([Object.values(params), Object.values(grads), Object.values(phi)]);
  });

  it('on backends without the kernels, large models take the tfjs ops (identical updates), small ones the JS loops', async () => {
    await tf.setBackend('cpu');
    try {
      expect(hyperKernelsAvailable()).toBe(false);
      const learned = hyperOptimizer({ hidden: 4 });
      const phi = learned.initMetaParams(Rng.seeded(5));
      const params = { w: tf.randomNormal([300, 300], 0, 0.1, 'float32', 1) };
      expect(params.w.size).toBeGreaterThan(JS_PATH_MAX_PARAMETERS);
      const grads = { w: tf.randomNormal([300, 300], 0, 0.01, 'float32', 2) };
      const run = (opt: Optimizer<HyperState>): Float32Array => {
        const state = opt.init(params, { totalSteps: 10 });
        const s1 = opt.update(grads, state, params);
        const s2 = opt.update(grads, s1.state, params);
        const u = s2.updates['w']!.dataSync() as Float32Array;
        tf.dispose([state, s1.state, s1.updates, s2.state, s2.updates]);
        return u;
      };
      expect(Array.from(run(learned.inferenceOptimizer!(phi)))).toEqual(Array.from(run(learned.withMetaParams(phi))));
      const small = trajectory(learned.inferenceOptimizer!(phi), 3, 4);
      const js = trajectory(jsPath(4, phi), 3, 4);
      expect(small).toEqual(js);
      tf.dispose([params.w, grads.w, Object.values(phi)]);
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('keeps numTensors flat', () => {
    const learned = hyperOptimizer();
    const phi = learned.initMetaParams(Rng.seeded(2));
    trajectory(learned.inferenceOptimizer!(phi), 2, 1);
    const before = tf.memory().numTensors;
    trajectory(learned.inferenceOptimizer!(phi), 10, 1);
    trajectory(learned.withMetaParams(phi), 10, 1);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(phi));
  });
});

describe('hyper optimizer: differentiable in φ', () => {
  it('d/dφ of a 4-step unroll matches central finite differences (gradients of f held constant)', () => {
    const learned = hyperOptimizer({ hidden: 6 });
    const phi = learned.initMetaParams(Rng.seeded(4));
    const rng = Rng.seeded(8);
    const c = tf.tensor2d(rng.normalArray(15), [3, 5]);
    // f(θ) = Σ c·θ + ½‖θ‖²; its gradient at each step is computed outside the tape (a constant in φ).
    const run = (p: TensorMap): tf.Scalar => {
      const opt = learned.withMetaParams(p);
      let theta: TensorMap = { a: tf.tensor2d(Rng.seeded(2).normalArray(15), [3, 5]) };
      let state = opt.init(theta, { totalSteps: 4 });
      let total: tf.Scalar = tf.scalar(0);
      for (let t = 0; t < 4; t++) {
        const g = { a: tf.add(c, tf.tensor(theta['a']!.dataSync(), [3, 5])) };
        const s = opt.update(g, state, theta);
        theta = { a: tf.add(theta['a']!, s.updates['a']!) };
        state = s.state;
        total = tf.add(total, tf.sum(tf.add(tf.mul(c, theta['a']!), tf.mul(tf.square(theta['a']!), 0.5))));
      }
      return total;
    };
    for (const key of ['logLr0', 'b2', 'w1']) {
      const analytic = tf.tidy(() =>
        tf
          .grad((x: tf.Tensor) => run({ ...phi, [key]: x }))(phi[key]!)
          .dataSync(),
      );
      const base = phi[key]!.dataSync();
      for (const idx of [0, Math.min(3, base.length - 1)]) {
        const h = 1e-2;
        const at = (d: number): number =>
          tf.tidy(() => {
            const v = Float32Array.from(base);
            v[idx] = v[idx]! + d;
            return run({ ...phi, [key]: tf.tensor(v, phi[key]!.shape) }).dataSync()[0]!;
          });
        const fd = (at(h) - at(-h)) / (2 * h);
        expect(Math.abs(analytic[idx]! - fd)).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
      }
    }
    tf.dispose([Object.values(phi), c]);
  });
});

describe('hyper optimizer: bad input', () => {
  it('config errors name the field and the allowed values', () => {
    expect(() => resolveHyperConfig({ hiden: 3 })).toThrow(/unknown field "hiden"; allowed: hidden, initialLr/);
    expect(() => resolveHyperConfig({ hidden: 0 })).toThrow(/hidden must be an integer in 1…1024/);
    expect(() => resolveHyperConfig({ beta1: 1 })).toThrow(/beta1 must be a number in \[0, 1\)/);
    expect(() => resolveHyperConfig({ initialLr: -1 })).toThrow(/initialLr must be a finite number > 0/);
  });

  it('φ of the wrong shape, gradients of other names and a bad totalSteps are refused by name', () => {
    const learned = hyperOptimizer({ hidden: 4 });
    const phi = learned.initMetaParams(Rng.seeded(1));
    const wrong = { ...phi, w1: tf.zeros([FEATURE_NAMES.length, 5]) };
    expect(() => checkHyperMetaParams(wrong, resolveHyperConfig({ hidden: 4 }), 'x')).toThrow(
      /meta-parameter "w1" must have shape \[18, 4\]; got \[18, 5\]/,
    );
    expect(() => learned.withMetaParams(wrong)).toThrow(/w1/);
    const opt = learned.inferenceOptimizer!(phi);
    const params = { a: tf.zeros([2]) };
    const state = opt.init(params);
    const g = { b: tf.zeros([2]) };
    expect(() => opt.update(g, state, params)).toThrow(/gradients must have the parameters' names \(a\); got b/);
    expect(() => opt.init(params, { totalSteps: 2.5 })).toThrow(/context.totalSteps must be a positive integer/);
    tf.dispose([Object.values(phi), wrong.w1, params.a, g.b, state]);
  });
});
