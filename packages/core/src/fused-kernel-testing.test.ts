import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mapRelativeError, relativeError, wideScaleSinProblem } from './fused-kernel-testing.js';
import { Rng } from './rng.js';
import { initEngine } from './engine/engine.js';
import { disposeMap } from './tensor-map.js';

beforeAll(async () => {
  await initEngine('cpu');
});

describe('wideScaleSinProblem', () => {
  it('gradients of every tensor, |∇| = |s sin(2(θ − θ*))| ≤ e^hi spanning orders of magnitude; no tensors leak', () => {
    const before = tf.memory().numTensors;
    const prob = wideScaleSinProblem(Rng.seeded(3), { a: [40], b: [2, 5] }, [-10, 1]);
    const g = prob.grad(prob.theta);
    expect(Object.keys(g).sort()).toEqual(['a', 'b']);
    expect(g['b']!.shape).toEqual([2, 5]);
    const mags = Array.from(g['a']!.dataSync())
      .map(Math.abs)
      .filter((v) => v > 0);
    expect(Math.max(...mags) / Math.min(...mags)).toBeGreaterThan(1e3);
    expect(Math.max(...mags)).toBeLessThan(Math.exp(1) + 1e-6);
    disposeMap(g);
    disposeMap(prob.theta);
    prob.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('relativeError, mapRelativeError', () => {
  it('max |a − b| / max |b|; shapes and names are checked', () => {
    const a = tf.tensor([1, 2.5, -3]);
    const b = tf.tensor([1, 2, -4]);
    expect(relativeError(a, b)).toBeCloseTo(0.25, 6);
    expect(mapRelativeError({ x: a, y: b }, { x: b, y: b })).toBeCloseTo(0.25, 6);
    expect(() => relativeError(a, tf.tensor([[1, 2, 3]]))).toThrow(/shapes \[3\] and \[1, 3\] differ/);
    expect(() => mapRelativeError({}, { x: b })).toThrow(/"x" missing/);
  });
});
