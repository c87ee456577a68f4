import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { lossAndGrad } from './loss-and-grad.js';
import { lossScaledFamily } from './loss-scaled-family.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { conformanceQuadraticFamily } from './testing.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('lossScaledFamily', () => {
  it('multiplies loss and gradient by one log-uniform constant per problem; θ₀ is the base problem’s', () => {
    const base = conformanceQuadraticFamily();
    const scaled = lossScaledFamily(base, [1e-2, 1e2]);
    expect(scaled.name).toBe('conformance-quadratic+loss-scale(0.01..100)');
    const logs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const rng = Rng.seeded(4, i);
      const task = scaled.sample(rng);
      // The base problem is the one drawn from the first fork of the same rng.
      const inner = base.sample(Rng.seeded(4, i).fork());
      const theta = task.init(Rng.seeded(9));
      const theta0 = inner.init(Rng.seeded(9));
      for (const k of Object.keys(theta)) expect(theta[k]!.dataSync()).toEqual(theta0[k]!.dataSync());
      const a = lossAndGrad(task, theta, null);
      const b = lossAndGrad(inner, theta0, null);
      const c = a.loss.dataSync()[0]! / b.loss.dataSync()[0]!;
      expect(c).toBeGreaterThanOrEqual(1e-2 * (1 - 1e-6));
      expect(c).toBeLessThanOrEqual(1e2 * (1 + 1e-6));
      for (const k of Object.keys(a.grads)) {
        const ga = a.grads[k]!.dataSync();
        const gb = b.grads[k]!.dataSync();
        gb.forEach((g, j) => expect(Math.abs(ga[j]! - c * g)).toBeLessThanOrEqual(1e-5 * Math.abs(c * g) + 1e-30));
      }
      logs.push(Math.log10(c));
      tf.dispose([a.loss, b.loss]);
      [a.grads, b.grads, theta, theta0].forEach(disposeMap);
      task.dispose?.();
      inner.dispose?.();
    }
    // log10 c is uniform on [−2, 2]: mean 0, standard deviation 4/√12 ≈ 1.155 (200 draws: SE of the mean ≈ 0.08).
    const mean = logs.reduce((s, v) => s + v, 0) / logs.length;
    expect(Math.abs(mean)).toBeLessThan(0.33);
    expect(Math.min(...logs)).toBeLessThan(-1.5);
    expect(Math.max(...logs)).toBeGreaterThan(1.5);
  });

  it('leaks no tensors and rejects a bad range, naming it', () => {
    const fam = lossScaledFamily(conformanceQuadraticFamily(), [0.5, 2]);
    const before = tf.memory().numTensors;
    const task = fam.sample(Rng.seeded(1));
    const theta = task.init(Rng.seeded(2));
    const lg = lossAndGrad(task, theta, null);
    lg.loss.dispose();
    disposeMap(lg.grads);
    disposeMap(theta);
    task.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => lossScaledFamily(conformanceQuadraticFamily(), [0, 1])).toThrow(/lossScaledFamily: range must be/);
    expect(() => lossScaledFamily(conformanceQuadraticFamily(), [2, 1])).toThrow(/range/);
  });
});
