import * as tf from '@tensorflow/tfjs';
import { initEngine, type Optimizer, Rng, type TensorMap } from '@l2o/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { hyperOptimizer, resolveHyperConfig, type HyperState } from './index.js';
import { initialOutputBias } from './meta-params.js';
import { constantPhi, stepPaths } from './test-support.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const HIDDEN = 4;
const SHAPES: Record<string, number[]> = { a: [4, 5], b: [7] };
const rms = (x: ArrayLike<number>): number => Math.sqrt(Array.from(x).reduce((s, v) => s + v * v, 0) / x.length);

const paths = (config: object, phi: TensorMap) => stepPaths({ hidden: HIDDEN, ...config }, phi);

/** Runs `steps` updates on f = ½|θ − 3|² (plus noise in the gradients); per step: rms(θ), rms(update), δ. */
function run(opt: Optimizer<HyperState>, steps: number) {
  const rng = Rng.seeded(2);
  let theta: TensorMap = Object.fromEntries(
    Object.entries(SHAPES).map(([k, s]) => [k, tf.tensor(rng.normalArray(s[0]! * (s[1] ?? 1), 0, 0.5), s)]),
  );
  let state = opt.init(theta, { totalSteps: steps });
  const rows: { rmsTheta: number[]; rmsUpdate: number[]; delta: number[] }[] = [];
  for (let t = 0; t < steps; t++) {
    const grads = tf.tidy(() =>
      Object.fromEntries(
        Object.entries(theta).map(([k, x]) => [
          k,
          tf.add(tf.sub(x, 3), tf.tensor(rng.normalArray(x.size, 0, 0.1), x.shape)),
        ]),
      ),
    );
    const step = opt.update(grads, state, theta);
    const keys = Object.keys(SHAPES).sort();
    rows.push({
      rmsTheta: keys.map((k) => rms(theta[k]!.dataSync())),
      rmsUpdate: keys.map((k) => rms(step.updates[k]!.dataSync())),
      delta: Array.from(step.state.lr.dataSync()),
    });
    const next = Object.fromEntries(keys.map((k) => [k, tf.add(theta[k]!, step.updates[k]!)]));
    tf.dispose([grads, theta, state, step.updates] as unknown as tf.TensorContainer);
    theta = next;
    state = step.state;
  }
  tf.dispose([theta, state] as unknown as tf.TensorContainer);
  return rows;
}

/** A controller that ignores its inputs, picks m̂/√v̂ and raises its rate at every step (Δδ = 0.2·tanh(3)). */
const risingPhi = (lr: number): TensorMap => constantPhi(HIDDEN, [3, initialOutputBias()[1]!, -40, 40, -40], lr);

describe('relative-step cap', () => {
  it('holds every step at lr·rms(m̂/√v̂) ≤ κ(rms(θ) + 1e-3), binds once the rate has risen to it, and stops δ there', () => {
    const kappa = 0.05;
    const phi = risingPhi(1e-3);
    for (const [name, opt] of paths({ maxRelativeStep: kappa }, phi)) {
      const rows = run(opt, 60);
      let bound = 0;
      rows.forEach((r, t) =>
        r.rmsUpdate.forEach((u, i) => {
          // With the controller picking m̂/√v̂ alone, the update is −lr·d₁: its rms is lr·rms(d₁).
          const limit = kappa * (r.rmsTheta[i]! + 1e-3);
          expect(u, `${name} step ${t + 1} tensor ${i}`).toBeLessThanOrEqual(limit * (1 + 1e-4));
          if (u > limit * (1 - 1e-4)) bound++;
        }),
      );
      // Uncapped, the rate would grow e^(0.2·tanh 3) ≈ 1.22× per step to 1e-3·e^11.9 by step 60: the cap binds on
      // most steps of both tensors, and δ stays where the cap put it instead of winding up towards +10.
      expect(bound, name).toBeGreaterThan(60);
      const free = run(paths({}, phi)[1]![1], 60);
      expect(Math.max(...rows[59]!.delta)).toBeLessThan(free[59]!.delta[0]! - 3);
    }
    tf.dispose(Object.values(phi));
  });

  it('the fast paths equal the differentiable one with the cap on and a random controller', () => {
    const phi0 = hyperOptimizer({ hidden: HIDDEN }).initMetaParams(Rng.seeded(3));
    const w2 = tf.randomNormal([HIDDEN, 5], 0, 1, 'float32', 7);
    const b2 = tf.tensor1d([2, initialOutputBias()[1]!, 0, 0, 0]);
    const phi = { ...phi0, w2, b2 };
    const [ref, ...others] = paths({ maxRelativeStep: 0.02 }, phi).map(([name, opt]) => ({ name, rows: run(opt, 30) }));
    for (const o of others) {
      o.rows.forEach((r, t) => {
        r.delta.forEach((d, i) => expect(d, `${o.name} δ step ${t + 1}`).toBeCloseTo(ref!.rows[t]!.delta[i]!, 3));
        r.rmsUpdate.forEach((u, i) =>
          expect(Math.abs(u - ref!.rows[t]!.rmsUpdate[i]!)).toBeLessThan(2e-3 * (1e-6 + ref!.rows[t]!.rmsUpdate[i]!)),
        );
      });
    }
    tf.dispose([Object.values(phi0), w2, b2]);
  });

  it('is refused by name when negative', () => {
    expect(() => resolveHyperConfig({ maxRelativeStep: -0.1 })).toThrow(/maxRelativeStep must be a finite number ≥ 0/);
  });
});
