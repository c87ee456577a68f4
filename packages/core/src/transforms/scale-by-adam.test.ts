import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { scaleByAdam } from './scale-by-adam.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

describe('scaleByAdam', () => {
  it('two steps by hand: m̂ / (√v̂ + ε), bias corrections 1 − βᵗ formed in float32', () => {
    const f = Math.fround;
    const [b1, b2, eps] = [0.5, 0.75, 1e-3];
    const g1 = [2, -0.5, 0];
    const g2 = [1, 3, -1];
    const run = runSteps(scaleByAdam({ b1, b2, eps }), { x: [0, 0, 0] }, [{ x: g1 }, { x: g2 }]);
    const c1 = [f(1 - f(b1)), f(1 - f(f(b1) * f(b1)))];
    const c2 = [f(1 - f(b2)), f(1 - f(f(b2) * f(b2)))];
    let m = [0, 0, 0];
    let v = [0, 0, 0];
    [g1, g2].forEach((g, t) => {
      m = m.map((mi, i) => b1 * mi + (1 - b1) * g[i]!);
      v = v.map((vi, i) => b2 * vi + (1 - b2) * g[i]! ** 2);
      const want = m.map((mi, i) => mi / c1[t]! / (Math.sqrt(v[i]! / c2[t]!) + eps));
      const got = run.updates[t]!['x']!;
      want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(w))));
    });
    // No step size and no sign: the first output is ≈ sign(g) where g ≠ 0.
    expect(run.updates[0]!['x']![0]).toBeGreaterThan(0.99);
    expect(run.states[1]).toMatchObject({ step: 2, beta1Power: f(f(b1) * f(b1)), beta2Power: f(f(b2) * f(b2)) });
  });

  it('records its config (eps only when given) and names non-default hyperparameters', () => {
    expect(scaleByAdam().config).toEqual({ name: 'scaleByAdam', b1: 0.9, b2: 0.999 });
    expect(scaleByAdam({ eps: 1e-8 }).config).toEqual({ name: 'scaleByAdam', b1: 0.9, b2: 0.999, eps: 1e-8 });
    expect(scaleByAdam().name).toBe('scaleByAdam()');
    expect(scaleByAdam({ b1: 0.8, eps: 1e-8 }).name).toBe('scaleByAdam(b1=0.8, eps=1e-8)');
  });

  it('rejects bad options and mismatched states, naming the field', () => {
    expect(() => scaleByAdam({ b1: 1 })).toThrow(/scaleByAdam: b1 must be a number in \[0, 1\); got 1/);
    expect(() => scaleByAdam({ b2: -0.1 })).toThrow(/scaleByAdam: b2 must be a number in \[0, 1\)/);
    expect(() => scaleByAdam({ eps: 0 })).toThrow(/scaleByAdam: eps must be a finite number > 0; got 0/);
    const opt = scaleByAdam();
    const p = { a: tf.zeros([2]) };
    const s = opt.init(p);
    const g = { b: tf.zeros([2]) };
    expect(() => opt.update(g, s, p)).toThrow(/scaleByAdam\.update: parameter names differ/);
    expect(() => opt.update(p, { m: {} } as unknown as typeof s, p)).toThrow(
      /scaleByAdam\.update: state must be \{ m, v, step, beta1Power, beta2Power \}/,
    );
    tf.dispose([p, s, g] as tf.TensorContainer);
  });
});
