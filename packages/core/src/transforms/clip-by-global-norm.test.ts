import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

// Two tensors whose joint norm is exactly 13: √(3² + 4² + 12²).
const params = { w: [0, 0], b: [0] };
const grads = [{ w: [3, 4], b: [12] }];

describe('clipByGlobalNorm', () => {
  it('leaves updates exactly as they are at the threshold (norm = c) and below it', () => {
    expect(runSteps(clipByGlobalNorm(13), params, grads).updates[0]).toEqual({ w: [3, 4], b: [12] });
    expect(runSteps(clipByGlobalNorm(100), params, grads).updates[0]).toEqual({ w: [3, 4], b: [12] });
  });

  it('rescales all tensors together to norm c above the threshold', () => {
    const out = runSteps(clipByGlobalNorm(6.5), params, grads).updates[0]!;
    expect(out['w']).toEqual([1.5, 2]);
    expect(out['b']).toEqual([6]);
    const tight = runSteps(clipByGlobalNorm(12.999), params, grads).updates[0]!;
    const norm = Math.hypot(...tight['w']!, ...tight['b']!);
    expect(norm).toBeCloseTo(12.999, 4);
    expect(norm).toBeLessThan(13);
  });

  it('is differentiable: d/dx of Σ clip(x·u) matches finite differences on both sides of the threshold', () => {
    const opt = clipByGlobalNorm(5);
    const u = tf.tensor1d([3, 4]); // ‖u‖ = 5
    const f = (x: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const step = opt.update({ u: tf.mul(u, x) }, {}, { u });
        return tf.sum(step.updates['u']!) as tf.Scalar;
      });
    const grad = tf.grad(f);
    for (const x0 of [0.5, 2]) {
      const x = tf.scalar(x0);
      const g = grad(x).dataSync()[0]!;
      const h = 1e-2;
      const fd = (f(tf.scalar(x0 + h)).dataSync()[0]! - f(tf.scalar(x0 - h)).dataSync()[0]!) / (2 * h);
      // Below the threshold Σ = 7x (slope 7); above it the output has norm 5 whatever x is (slope 0).
      expect(g).toBeCloseTo(x0 < 1 ? 7 : 0, 4);
      expect(g).toBeCloseTo(fd, 3);
      x.dispose();
    }
    u.dispose();
  });

  it('records its config and rejects a bad threshold', () => {
    expect(clipByGlobalNorm(1).config).toEqual({ name: 'clipByGlobalNorm', maxNorm: 1 });
    expect(() => clipByGlobalNorm(0)).toThrow(/clipByGlobalNorm: maxNorm must be a finite number > 0; got 0/);
  });
});
