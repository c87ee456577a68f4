import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { gacOptimizer } from './gac-optimizer.js';
import { gacL2ClippingMetaParams } from './l2-clipping.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/**
 * The claim "LSTM+GAC can express L2 gradient clipping", checked end to end: hand-set φ (gacL2ClippingMetaParams,
 * whose construction is documented there), random gradients of norms from 0.1c to 10c (log-uniform, plus norms
 * just either side of c and gradients with one dominant coordinate), update compared with the closed form
 * −lr · g · min(1, c/‖g‖₂) computed in float64. Exactness is impossible (saturating cells, and the clipping
 * factor has a kink), so the bound is on the relative error of the whole update vector; measured ≈ 5e−5 (bound 5e−4).
 */
describe('LSTM+GAC expresses L2 gradient clipping', () => {
  const shapes = { b: [20], w: [5, 6] } as const; // N = 50 coordinates in two tensors: the norm is over both
  const n = 50;
  const c = 1.5;
  const lr = 0.3;

  function gradient(rng: Rng, norm: number, spiky: boolean): { grads: TensorMap; flat: Float64Array } {
    const raw = Float64Array.from(rng.normalArray(n));
    if (spiky) raw[7]! *= 30; // one coordinate holds most of the norm
    const s = norm / Math.hypot(...raw);
    const flat = raw.map((x) => x * s);
    // flattenMap order is sorted keys: b (20) then w (30).
    return {
      grads: {
        b: tf.tensor1d(Float32Array.from(flat.subarray(0, 20))),
        w: tf.tensor2d(Float32Array.from(flat.subarray(20)), [5, 6]),
      },
      flat: Float64Array.from(Float32Array.from(flat)),
    };
  }

  it('update = −lr·g·min(1, c/‖g‖) within 5e-4 relative for ‖g‖/c in [0.1, 10]', () => {
    const { config, metaParams, fitError } = gacL2ClippingMetaParams({
      coordinates: n,
      threshold: c,
      learningRate: lr,
    });
    expect(fitError).toBeLessThan(2e-4);
    const opt = gacOptimizer(config).withMetaParams(metaParams);
    const rng = Rng.seeded(5);
    const params: TensorMap = { b: tf.zeros([...shapes.b]), w: tf.zeros([...shapes.w]) };
    const before = tf.memory().numTensors;
    let state = opt.init(params);
    const ratios = [0.1, 0.5, 0.97, 0.995, 1.005, 1.03, 2, 9.5];
    for (let k = 0; k < 24; k++) ratios.push(Math.exp(Math.log(0.1) + rng.uniform() * Math.log(100)));
    let worst = 0;
    ratios.forEach((ratio, k) => {
      const { grads, flat } = gradient(rng, ratio * c, k % 3 === 2);
      const norm = Math.hypot(...flat);
      const factor = Math.min(1, c / norm);
      const step = opt.update(grads, state, params);
      const got = [...step.updates['b']!.dataSync(), ...step.updates['w']!.dataSync()];
      let num = 0;
      let den = 0;
      flat.forEach((g, i) => {
        const want = -lr * g * factor;
        num += (got[i]! - want) ** 2;
        den += want * want;
      });
      const rel = Math.sqrt(num / den);
      worst = Math.max(worst, rel);
      expect(rel, `‖g‖/c = ${ratio.toFixed(4)}${k % 3 === 2 ? ' (spiky)' : ''}`).toBeLessThan(5e-4);
      tf.dispose(state);
      disposeMap(step.updates);
      disposeMap(grads);
      state = step.state;
    });
    tf.dispose(state);
    expect(tf.memory().numTensors).toBe(before);
    console.log(
      `L2-clipping construction: worst relative error ${worst.toExponential(2)} over ${ratios.length} gradients`,
    );
    disposeMap(params);
    disposeMap(metaParams);
  });

  it('a plain clipped step is not what a random φ does (the test can fail)', () => {
    const { config, metaParams } = gacL2ClippingMetaParams({ coordinates: n, threshold: c, learningRate: lr });
    const learned = gacOptimizer(config);
    const phi = learned.initMetaParams(Rng.seeded(1));
    const opt = learned.withMetaParams(phi);
    const rng = Rng.seeded(2);
    const { grads, flat } = gradient(rng, 3 * c, false);
    const params: TensorMap = { b: tf.zeros([20]), w: tf.zeros([5, 6]) };
    const state = opt.init(params);
    const step = opt.update(grads, state, params);
    const got = [...step.updates['b']!.dataSync(), ...step.updates['w']!.dataSync()];
    const factor = c / Math.hypot(...flat);
    const rel = Math.sqrt(
      flat.reduce((s, g, i) => s + (got[i]! + lr * g * factor) ** 2, 0) /
        flat.reduce((s, g) => s + (lr * g * factor) ** 2, 0),
    );
    expect(rel).toBeGreaterThan(0.1);
    tf.dispose([state, step.state]);
    disposeMap(step.updates);
    disposeMap(grads);
    disposeMap(params);
    disposeMap(phi);
    disposeMap(metaParams);
  });
});
