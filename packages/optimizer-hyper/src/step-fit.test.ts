import * as tf from '@tensorflow/tfjs';
import { initEngine, type Optimizer, Rng, type TensorMap } from '@l2o/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { FEATURE_COUNT, STEP_FIT_CLIP, stepFitFeature } from './features.js';
import { hyperOptimizer, resolveHyperConfig, type HyperState } from './index.js';
import { hyperStepFast } from './hyper-step-fast.js';
import { readHyperWeights } from './hyper-weights.js';
import { initialOutputBias } from './meta-params.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const SHAPES: Record<string, number[]> = { a: [3, 5], b: [5], c: [2, 2, 3] };

/** θ ↦ Σ ½·λ_i·θ_i² per tensor, λ_i from 0.5 to 4: gradients λ·θ. */
function quadraticGrads(params: TensorMap): TensorMap {
  return Object.fromEntries(
    Object.entries(params).map(([k, p]) => [k, tf.tidy(() => tf.mul(p, tf.linspace(0.5, 4, p.size).reshape(p.shape)))]),
  );
}

/** Runs `steps` updates on the quadratic from a fixed θ₀; returns every step's updates and the final log-rate offsets. */
function run(opt: Optimizer<HyperState>, steps: number): { updates: number[][][]; delta: number[] } {
  const rng = Rng.seeded(4);
  let params: TensorMap = Object.fromEntries(
    Object.entries(SHAPES).map(([k, s]) => [k, tf.tensor(rng.normalArray(s.reduce((x, y) => x * y, 1)), s)]),
  );
  let state = opt.init(params, { totalSteps: 40 });
  const updates: number[][][] = [];
  for (let t = 0; t < steps; t++) {
    const grads = quadraticGrads(params);
    const step = opt.update(grads, state, params);
    updates.push(Object.keys(SHAPES).map((k) => Array.from(step.updates[k]!.dataSync())));
    const next = Object.fromEntries(Object.keys(SHAPES).map((k) => [k, tf.add(params[k]!, step.updates[k]!)]));
    tf.dispose([Object.values(grads), Object.values(params), Object.values(step.updates), state]);
    params = next;
    state = step.state;
  }
  const delta = Array.from(state.lr.dataSync());
  tf.dispose([Object.values(params), state]);
  return { updates, delta };
}

/** φ of a stepFit controller whose only input is feature 18, feeding Δδ with gain `gain`. */
function stepFitOnlyPhi(hidden: number, gain: number, lr: number): TensorMap {
  const F = FEATURE_COUNT + 1;
  const wl = new Float32Array(F * 5);
  wl[FEATURE_COUNT * 5 + 0] = gain;
  const b2 = initialOutputBias();
  return {
    b1: tf.zeros([hidden]),
    b2: tf.tensor1d([0, b2[1]!, -40, 40, -40]),
    logLr0: tf.scalar(Math.log(lr)),
    w1: tf.zeros([F, hidden]),
    w2: tf.zeros([hidden, 5]),
    wl: tf.tensor2d(wl, [F, 5]),
  };
}

describe('the step-fit feature (config.stepFit)', () => {
  it('is ln α*, the best multiple of the last update along its line, exact on a quadratic', () => {
    // f(θ) = ½·2·θ²: from θ₋ = 1 (g₋ = 2) the update u = −0.25 lands at θ = 0.75 (g = 1.5); the minimum needs u = −1.
    expect(stepFitFeature(2 * -0.25, 1.5 * -0.25)).toBeCloseTo(Math.log(4), 6);
    // An overshoot to θ = −3 (u = −4): α* = 1/4.
    expect(stepFitFeature(2 * -4, -6 * -4)).toBeCloseTo(Math.log(0.25), 6);
    // The line curves down (c ≤ 0): go further; the last update went uphill (A > 0): go shorter; no update yet: 0.
    expect(stepFitFeature(-1, -2)).toBe(STEP_FIT_CLIP);
    expect(stepFitFeature(1, 3)).toBe(-STEP_FIT_CLIP);
    expect(stepFitFeature(0, 0)).toBe(0);
    expect(stepFitFeature(-1e-3, 1e6)).toBe(-STEP_FIT_CLIP);
  });

  it('steers the rate: too short steps raise it, too long ones cut it (a controller reading only feature 18)', () => {
    const learned = hyperOptimizer({ hidden: 4, stepFit: true });
    // lr 1e-3 on curvatures 0.5…4 with θ ~ 1: every step is far too short, α* ≫ 1, the rate climbs at its limit.
    const short = run(learned.inferenceOptimizer!(stepFitOnlyPhi(4, 5, 1e-3)), 10);
    // The first update has no last update to read (feature 0, Δδ = 0); the next 9 raise δ by ≈ 0.2 each.
    for (const d of short.delta) expect(d).toBeGreaterThan(0.2 * 9 * 0.99);
    // lr 3 (Adam-like steps of ≈ 3 on θ ~ 1): they overshoot the minimum, α* < 1, the rate falls (−0.36…−0.48).
    const long = run(learned.inferenceOptimizer!(stepFitOnlyPhi(4, 5, 3)), 10);
    for (const d of long.delta) expect(d).toBeLessThan(-0.3);
  });

  it('gives the same updates on the differentiable path, the JS loops and the inference path', () => {
    const cfg = resolveHyperConfig({ hidden: 6, stepFit: true });
    const learned = hyperOptimizer(cfg);
    const phi = learned.initMetaParams(Rng.seeded(3));
    const w2 = tf.randomNormal([6, 5], 0, 1, 'float32', 7);
    const strong: TensorMap = { ...phi, w2 };
    const js: Optimizer<HyperState> = {
      ...learned.withMetaParams(strong),
      update: (g, s, p) => hyperStepFast(cfg, readHyperWeights(strong, 6), g, s, p),
    };
    const slow = run(learned.withMetaParams(strong), 20);
    for (const fast of [run(learned.inferenceOptimizer!(strong), 20), run(js, 20)]) {
      let worst = 0;
      slow.updates.forEach((s, t) =>
        s.forEach((u, k) =>
          u.forEach((x, j) => {
            worst = Math.max(worst, Math.abs(x - fast.updates[t]![k]![j]!) / (Math.abs(x) + 1e-6));
          }),
        ),
      );
      expect(worst).toBeLessThan(2e-3);
    }
    // The feature matters: without it (its row of w1 and wl zeroed) the run differs.
    const blind: TensorMap = {
      ...strong,
      w1: tf.concat([tf.slice(strong['w1']!, [0, 0], [FEATURE_COUNT, 6]), tf.zeros([1, 6])]),
    };
    const wl = tf.concat([tf.slice(strong['wl']!, [0, 0], [FEATURE_COUNT, 5]), tf.zeros([1, 5])]);
    const without = run(learned.inferenceOptimizer!({ ...blind, wl }), 20);
    expect(Math.abs(without.updates[19]![0]![0]! - slow.updates[19]![0]![0]!)).toBeGreaterThan(1e-7);
    tf.dispose([Object.values(phi), w2, blind.w1, wl]);
  });

  it('keeps the last update as state, keeps numTensors flat, and leaves configs without it unchanged', () => {
    const learned = hyperOptimizer({ hidden: 4, stepFit: true });
    const phi = learned.initMetaParams(Rng.seeded(2));
    expect(phi['w1']!.shape).toEqual([FEATURE_COUNT + 1, 4]);
    const params = { a: tf.ones([3]) };
    const state = learned.inferenceOptimizer!(phi).init(params);
    expect(Object.keys(state.u!)).toEqual(['a']);
    expect(state.gu!.shape).toEqual([1]);
    tf.dispose([params.a, state]);
    run(learned.inferenceOptimizer!(phi), 2);
    const before = tf.memory().numTensors;
    run(learned.inferenceOptimizer!(phi), 5);
    run(learned.withMetaParams(phi), 5);
    expect(tf.memory().numTensors).toBe(before);
    // Saved configs without stepFit keep their JSON (and so their fingerprints).
    expect(JSON.stringify(resolveHyperConfig({ hidden: 4 }))).not.toContain('stepFit');
    expect(resolveHyperConfig({ hidden: 4, stepFit: false })).toEqual(resolveHyperConfig({ hidden: 4 }));
    tf.dispose(Object.values(phi));
  });

  it('refuses a bad flag and a state made without it, by name', () => {
    expect(() => resolveHyperConfig({ stepFit: 'yes' })).toThrow(/stepFit must be true or false; got yes/);
    const plain = hyperOptimizer({ hidden: 4 });
    const fit = hyperOptimizer({ hidden: 4, stepFit: true });
    const phi = fit.initMetaParams(Rng.seeded(1));
    const params = { a: tf.ones([2]) };
    const state = plain.withMetaParams(plain.initMetaParams(Rng.seeded(1))).init(params);
    const g = { a: tf.ones([2]) };
    for (const opt of [fit.withMetaParams(phi), fit.inferenceOptimizer!(phi)]) {
      expect(() => opt.update(g, state, params)).toThrow(/the state has no last update \(u, gu\)/);
    }
    tf.dispose([Object.values(phi), params.a, g.a, state]);
  });
});
