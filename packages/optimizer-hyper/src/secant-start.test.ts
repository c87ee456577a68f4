import * as tf from '@tensorflow/tfjs';
import { initEngine, type Optimizer, Rng, type TensorMap } from '@l2o/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hyperOptimizer, resolveHyperConfig, type HyperState } from './index.js';
import { initialOutputBias } from './meta-params.js';
import { hyperKernelsAvailable } from './native/hyper-kernels.js';
import { SECANT_MAX_FACTOR, secantJump, secantSums } from './secant-start.js';
import { constantPhi, stepPaths } from './test-support.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const HIDDEN = 4;
/** Two tensors of a diagonal quadratic f = ½ Σ λθ² (a sign of −1 makes it concave). */
const LAMBDA: Record<string, number[]> = { a: [1, 2, 3, 4, 5, 6], b: [10, 0.5, 7] };

/** A controller that ignores its inputs and picks m̂/√v̂ at a constant rate: Adam at `lr`, plus the secant start. */
const adamPhi = (lr: number): TensorMap => constantPhi(HIDDEN, [0, initialOutputBias()[1]!, -40, 40, -40], lr);
const paths = (secantStart: number, phi: TensorMap) => stepPaths({ hidden: HIDDEN, secantStart }, phi);

const grad = (theta: TensorMap, sign: number): TensorMap =>
  tf.tidy(() =>
    Object.fromEntries(
      Object.entries(theta).map(([k, x]) => [k, tf.mul(x, tf.tensor1d(LAMBDA[k]!.map((l) => sign * l)))]),
    ),
  );

/** Two steps on the quadratic: θ₀, the first update u₀ and the second update u₁ (arrays per tensor). */
function twoSteps(opt: Optimizer<HyperState>, sign: number) {
  const rng = Rng.seeded(4);
  const theta0: TensorMap = Object.fromEntries(
    Object.entries(LAMBDA).map(([k, l]) => [k, tf.tensor1d(rng.normalArray(l.length))]),
  );
  const s0 = opt.init(theta0, { totalSteps: 10 });
  const g0 = grad(theta0, sign);
  const step1 = opt.update(g0, s0, theta0);
  const theta1 = Object.fromEntries(Object.keys(LAMBDA).map((k) => [k, tf.add(theta0[k]!, step1.updates[k]!)]));
  const g1 = grad(theta1, sign);
  const step2 = opt.update(g1, step1.state, theta1);
  const arrays = (m: TensorMap) =>
    Object.fromEntries(Object.keys(LAMBDA).map((k) => [k, Array.from(m[k]!.dataSync())]));
  const out = { theta0: arrays(theta0), u0: arrays(step1.updates), g1: arrays(g1), u1: arrays(step2.updates) };
  tf.dispose([theta0, s0, g0, step1, theta1, g1, step2] as unknown as tf.TensorContainer);
  return out;
}

/** Adam's second update at rate lr (ε = 1e-8) from gradients g₀ = λθ₀ and g₁. */
function adamSecond(g0: number[], g1: number[], lr: number): number[] {
  return g0.map((a, j) => {
    const b = g1[j]!;
    const m = (0.9 * 0.1 * a + 0.1 * b) / (1 - 0.9 ** 2);
    const v = (0.999 * 0.001 * a * a + 0.001 * b * b) / (1 - 0.999 ** 2);
    return (-lr * m) / (Math.sqrt(v) + 1e-8);
  });
}

describe('secant start', () => {
  it('on a quadratic, step 2 runs at the exact line minimum along step 1 (a* = −⟨g₀,u₀⟩/u₀ᵀΛu₀), per tensor, on every path', () => {
    const lr = 0.01;
    const phi = adamPhi(lr);
    for (const [name, opt] of paths(1, phi)) {
      const { theta0, u0, g1, u1 } = twoSteps(opt, 1);
      for (const k of Object.keys(LAMBDA)) {
        const l = LAMBDA[k]!;
        const g0 = theta0[k]!.map((x, j) => l[j]! * x);
        const dot = g0.reduce((s, g, j) => s + g * u0[k]![j]!, 0);
        const curv = u0[k]!.reduce((s, u, j) => s + l[j]! * u * u, 0);
        const aStar = -dot / curv;
        expect(aStar, `${name} ${k}`).toBeGreaterThan(5); // the jump is real, not clamped at 1
        expect(aStar).toBeLessThan(SECANT_MAX_FACTOR);
        const want = adamSecond(g0, g1[k]!, lr * aStar);
        u1[k]!.forEach((x, j) => expect(x / want[j]!, `${name} ${k}[${j}]`).toBeCloseTo(1, 3));
      }
    }
    tf.dispose(Object.values(phi));
  });

  it('never cuts the rate and never jumps more than SECANT_MAX_FACTOR×; none where the curvature is negative', () => {
    const lr = 0.01;
    const phi = adamPhi(lr);
    for (const [factor, sign, expected] of [
      [1e-6, 1, () => 1],
      [1e9, 1, () => SECANT_MAX_FACTOR],
      [1, -1, () => 1],
    ] as const) {
      for (const [name, opt] of paths(factor, phi)) {
        const { theta0, g1, u1 } = twoSteps(opt, sign);
        for (const k of Object.keys(LAMBDA)) {
          const g0 = theta0[k]!.map((x, j) => sign * LAMBDA[k]![j]! * x);
          const want = adamSecond(g0, g1[k]!, lr * expected());
          u1[k]!.forEach((x, j) => expect(x / want[j]!, `${name} factor ${factor} sign ${sign}`).toBeCloseTo(1, 3));
        }
      }
    }
    tf.dispose(Object.values(phi));
  });

  it('secantJump: ln of the clamped factor, 0 for non-positive or non-finite sums', () => {
    expect(secantJump({ num: 6, den: 2 }, 1)).toBeCloseTo(Math.log(3), 12);
    expect(secantJump({ num: 6, den: 2 }, 0.1)).toBe(0);
    expect(secantJump({ num: 6, den: 0 }, 1)).toBe(0);
    expect(secantJump({ num: 6, den: -2 }, 1)).toBe(0);
    expect(secantJump({ num: Number.NaN, den: 2 }, 1)).toBe(0);
    expect(secantJump({ num: 6, den: 1e-300 }, 1)).toBeCloseTo(Math.log(SECANT_MAX_FACTOR), 12);
    expect(secantJump({ num: 6, den: 2 }, 0)).toBe(0);
    // d₀ = g₀/(|g₀| + ε) read back from m₁ = 0.1·g₀, v₁ = 0.001·g₀².
    const s = secantSums([1, -1], [0.2, -0.3], [0.004, 0.009], 0.9, 0.999, 0);
    expect(s.num).toBeCloseTo(2 + 3, 6);
    expect(s.den).toBeCloseTo(2 - 1 + (3 - 1), 6);
  });

  it('the fast paths equal the differentiable one over 20 steps with a random controller and the jump on', () => {
    expect(hyperKernelsAvailable()).toBe(true);
    const phi0 = hyperOptimizer({ hidden: HIDDEN }).initMetaParams(Rng.seeded(3));
    const w2 = tf.randomNormal([HIDDEN, 5], 0, 1, 'float32', 7);
    const phi = { ...phi0, w2 };
    const runs = paths(1, phi).map(([name, opt]) => {
      let theta: TensorMap = Object.fromEntries(
        Object.entries(LAMBDA).map(([k, l]) => [k, tf.tensor1d(Rng.seeded(9).normalArray(l.length))]),
      );
      let state = opt.init(theta, { totalSteps: 20 });
      const lrs: number[][] = [];
      for (let t = 0; t < 20; t++) {
        const g = grad(theta, 1);
        const step = opt.update(g, state, theta);
        const next = Object.fromEntries(Object.keys(LAMBDA).map((k) => [k, tf.add(theta[k]!, step.updates[k]!)]));
        tf.dispose([g, theta, state] as unknown as tf.TensorContainer);
        theta = next;
        state = step.state;
        tf.dispose(step.updates as unknown as tf.TensorContainer);
        lrs.push(Array.from(state.lr.dataSync()));
      }
      const final = Object.keys(LAMBDA).flatMap((k) => Array.from(theta[k]!.dataSync()));
      tf.dispose([theta, state] as unknown as tf.TensorContainer);
      return { name, lrs, final };
    });
    const [ref, ...others] = runs;
    // The jump fired: δ moved by more than the controller alone can in two steps (2 × 0.2).
    expect(Math.max(...ref!.lrs[1]!.map(Math.abs))).toBeGreaterThan(0.5);
    for (const o of others) {
      o.lrs.forEach((row, t) =>
        row.forEach((d, i) => expect(d, `${o.name} δ step ${t + 1}`).toBeCloseTo(ref!.lrs[t]![i]!, 3)),
      );
      o.final.forEach((x, j) => expect(Math.abs(x - ref!.final[j]!)).toBeLessThan(1e-3 * (1 + Math.abs(x))));
    }
    tf.dispose([Object.values(phi0), w2]);
  });

  it('keeps numTensors flat, and a bad secantStart is refused by name', () => {
    const phi = adamPhi(0.01);
    for (const [, opt] of paths(1, phi)) {
      twoSteps(opt, 1);
      const before = tf.memory().numTensors;
      twoSteps(opt, 1);
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose(Object.values(phi));
    expect(() => resolveHyperConfig({ secantStart: -1 })).toThrow(/secantStart must be a finite number ≥ 0/);
    expect(() => resolveHyperConfig({ secantStart: Number.NaN })).toThrow(/secantStart/);
  });
});
