import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { evaluate } from './evaluate.js';
import { resolveMetaTrainSettings } from './meta-train-options.js';
import { validationSeed, validator } from './meta-train-validation.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned } from './test-fixtures.js';
import { conformanceQuadraticFamily } from './testing.js';
import type { OptimizeeFamily, TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** The same problems as `base` (same rng), with every loss multiplied by `c`. */
function scaled(base: OptimizeeFamily<null>, c: number): OptimizeeFamily<null> {
  return {
    name: `${base.name}×${c}`,
    sample(rng) {
      const p = base.sample(rng);
      return { ...p, loss: (params: TensorMap) => tf.tidy(() => tf.mul(p.loss(params, null), c)) as tf.Scalar };
    },
  };
}

const score = async (
  family: OptimizeeFamily<null>,
  metric: 'mean' | 'final' | 'log-ratio',
  problems: number,
  phi: TensorMap,
): Promise<number> =>
  validator(
    resolveMetaTrainSettings({
      learned: tinyLearned(),
      family,
      epochs: 1,
      seed: 5,
      horizon: 20,
      unroll: 5,
      validationProblems: problems,
      validationMetric: metric,
      validationHorizon: 15,
    }),
  )(phi);

describe('validation metrics', () => {
  it("'log-ratio' is log(f_T / f_0) per problem, averaged, and does not see the loss scale", async () => {
    const phi = tinyLearned().initMetaParams(Rng.seeded(0));
    const base = conformanceQuadraticFamily();
    // One problem: compare with evaluate's own curve (f_0 and f_T of that problem).
    const one = await evaluate({
      family: base,
      optimizers: [{ name: 'tiny', optimizer: tinyLearned().withMetaParams(phi) }],
      problems: 1,
      steps: 15,
      seed: validationSeed(5),
    });
    const curve = one.curves[0]!;
    expect(await score(base, 'log-ratio', 1, phi)).toBeCloseTo(Math.log(curve.mean[15]! / curve.mean[0]!), 6);
    expect(await score(base, 'final', 1, phi)).toBe(curve.mean[15]);
    // Four problems, losses ×1000, an optimizer that ignores the gradient (a = 0: Δθ = −c·θ), so the trajectories
    // are the same: 'mean' scales by 1000, 'log-ratio' does not move.
    const blind = { a: tf.scalar(0), b: tf.scalar(0.5), c: tf.scalar(0.1), d: tf.scalar(0.2) };
    const a = await score(base, 'log-ratio', 4, blind);
    const b = await score(scaled(base, 1000), 'log-ratio', 4, blind);
    expect(Math.abs(a)).toBeGreaterThan(1e-3);
    expect(Math.abs(a - b)).toBeLessThan(1e-5);
    const m1 = await score(base, 'mean', 4, blind);
    const m2 = await score(scaled(base, 1000), 'mean', 4, blind);
    expect(m2 / m1).toBeCloseTo(1000, 1);
    disposeMap(blind);
    disposeMap(phi);
  });
});
