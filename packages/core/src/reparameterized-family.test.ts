import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { lossAndGrad } from './loss-and-grad.js';
import { reparameterizedFamily, type ReparameterizationLevel } from './reparameterized-family.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { conformanceQuadraticFamily } from './testing.js';
import type { TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const values = (m: TensorMap): Record<string, number[]> =>
  Object.fromEntries(Object.entries(m).map(([k, t]) => [k, Array.from(t.dataSync())]));

/**
 * For problem `i` of a reparameterized conformance quadratic: the scales s implied by θ₀ = w₀·s, the base loss and
 * the reparameterized loss at init, the base gradient at θ₀ and the reparameterized one at w₀.
 */
function probe(level: ReparameterizationLevel, range: [number, number], i: number) {
  const base = conformanceQuadraticFamily();
  const task = reparameterizedFamily(base, { level, range }).sample(Rng.seeded(8, i));
  const inner = base.sample(Rng.seeded(8, i).fork());
  const w0 = task.init(Rng.seeded(3));
  const theta0 = inner.init(Rng.seeded(3));
  const a = lossAndGrad(task, w0, null);
  const b = lossAndGrad(inner, theta0, null);
  const wv = values(w0);
  const tv = values(theta0);
  const out = {
    task,
    w0,
    scales: Object.fromEntries(Object.keys(wv).map((k) => [k, tv[k]!.map((t, j) => t / wv[k]![j]!)])),
    loss: a.loss.dataSync()[0]!,
    baseLoss: b.loss.dataSync()[0]!,
    grad: values(a.grads),
    baseGrad: values(b.grads),
  };
  tf.dispose([a.loss, b.loss]);
  [a.grads, b.grads, theta0].forEach(disposeMap);
  inner.dispose?.();
  return out;
}

describe('reparameterizedFamily', () => {
  it('the loss at init equals the base problem’s, and the gradient is s·∇f(w·s)', () => {
    for (const level of ['global', 'tensor', 'parameter'] as const) {
      for (let i = 0; i < 5; i++) {
        const p = probe(level, [1e-3, 1e3], i);
        expect(Math.abs(p.loss - p.baseLoss)).toBeLessThan(1e-5 * p.baseLoss);
        for (const k of Object.keys(p.grad)) {
          p.grad[k]!.forEach((g, j) => {
            const want = p.scales[k]![j]! * p.baseGrad[k]![j]!;
            expect(Math.abs(g - want)).toBeLessThanOrEqual(1e-4 * Math.abs(want) + 1e-6);
          });
        }
        disposeMap(p.w0);
        p.task.dispose?.();
      }
    }
  });

  it('its gradient matches central finite differences of its own loss', () => {
    const p = probe('parameter', [0.3, 3], 1);
    const h = 1e-2;
    for (const k of Object.keys(p.grad)) {
      for (let j = 0; j < p.grad[k]!.length; j++) {
        const f = (d: number): number => {
          const shifted = Object.fromEntries(
            Object.entries(p.w0).map(([n, t]) => {
              if (n !== k) return [n, tf.clone(t)];
              const v = Float32Array.from(t.dataSync());
              v[j]! += d;
              return [n, tf.tensor(v, t.shape)];
            }),
          );
          const l = p.task.loss(shifted, null);
          const out = l.dataSync()[0]!;
          l.dispose();
          disposeMap(shifted);
          return out;
        };
        const fd = (f(h) - f(-h)) / (2 * h);
        expect(Math.abs(p.grad[k]![j]! - fd)).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
      }
    }
    disposeMap(p.w0);
    p.task.dispose?.();
  });

  it('draws one scale per problem, per tensor or per coordinate, log-uniformly in the range', () => {
    const logs: number[] = [];
    for (let i = 0; i < 60; i++) {
      const g = probe('global', [1e-2, 1e2], i);
      const all = Object.values(g.scales).flat();
      for (const s of all) expect(Math.abs(s / all[0]! - 1)).toBeLessThan(1e-3);
      logs.push(Math.log10(all[0]!));
      disposeMap(g.w0);
      g.task.dispose?.();
    }
    expect(Math.min(...logs)).toBeGreaterThan(-2 - 1e-3);
    expect(Math.max(...logs)).toBeLessThan(2 + 1e-3);
    // Uniform on [−2, 2]: mean 0 with standard error 1.155/√60 ≈ 0.15.
    expect(Math.abs(logs.reduce((s, v) => s + v, 0) / logs.length)).toBeLessThan(0.6);

    const t = probe('tensor', [1e-2, 1e2], 0);
    const perTensor = Object.values(t.scales).map((s) => {
      for (const x of s) expect(Math.abs(x / s[0]! - 1)).toBeLessThan(1e-3);
      return s[0]!;
    });
    expect(Math.abs(perTensor[0]! / perTensor[1]! - 1)).toBeGreaterThan(1e-2);
    disposeMap(t.w0);
    t.task.dispose?.();

    const c = probe('parameter', [1e-2, 1e2], 0);
    const coords = Object.values(c.scales).flat();
    expect(new Set(coords.map((s) => s.toPrecision(3))).size).toBe(coords.length);
    disposeMap(c.w0);
    c.task.dispose?.();
  });

  it('is reproducible from its seed, leaks no tensors, and names bad options', () => {
    const fam = reparameterizedFamily(conformanceQuadraticFamily(), { level: 'tensor', range: [0.1, 10] });
    expect(fam.name).toBe('conformance-quadratic+reparam(tensor,0.1..10)');
    const before = tf.memory().numTensors;
    const runs = [0, 1].map(() => {
      const task = fam.sample(Rng.seeded(5));
      const w = task.init(Rng.seeded(6));
      const lg = lossAndGrad(task, w, null);
      const out = [lg.loss.dataSync()[0]!, ...Object.values(values(lg.grads)).flat()];
      lg.loss.dispose();
      disposeMap(lg.grads);
      disposeMap(w);
      task.dispose?.();
      return out;
    });
    expect(runs[0]).toEqual(runs[1]);
    expect(tf.memory().numTensors).toBe(before);
    const base = conformanceQuadraticFamily();
    expect(() => reparameterizedFamily(base, { level: 'layer' as 'global', range: [1, 2] })).toThrow(
      /level: unknown "layer"; allowed values: global, tensor, parameter/,
    );
    expect(() => reparameterizedFamily(base, { level: 'global', range: [-1, 2] })).toThrow(/range must be \[lo, hi\]/);
  });
});
