import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { type EvaluateEntry, evaluate } from './evaluate.js';
import { resolveMetaTrainSettings } from './meta-train-options.js';
import { adam } from './adam.js';
import { VS_REFERENCE_CLIP, clippedLogRatio, validationSeed, validator } from './meta-train-validation.js';
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
  metric: 'mean' | 'final' | 'log-ratio' | 'vs-reference',
  problems: number,
  phi: TensorMap,
  validationReferences?: readonly EvaluateEntry[],
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
      ...(validationReferences ? { validationReferences } : {}),
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

  it("'vs-reference' is ln(f_T / f_T*) per problem, f_T* the best reference there, clipped to ±1 and averaged", async () => {
    const phi = tinyLearned().initMetaParams(Rng.seeded(0));
    const base = conformanceQuadraticFamily();
    const refs = [0.003, 0.03, 0.3].map((lr) => ({ name: `adam(${lr})`, optimizer: adam({ learningRate: lr }) }));
    const run = await evaluate({
      family: base,
      optimizers: [{ name: 'tiny', optimizer: tinyLearned().withMetaParams(phi) }, ...refs],
      problems: 4,
      steps: 15,
      seed: validationSeed(5),
    });
    const [mine, ...others] = run.curves;
    let expected = 0;
    for (let r = 0; r < 4; r++) {
      const best = Math.min(...others.map((c) => c.finalLosses[r]!));
      expected += Math.max(-1, Math.min(1, Math.log(mine!.finalLosses[r]! / best))) / 4;
    }
    const got = await score(base, 'vs-reference', 4, phi, refs);
    expect(got).toBeCloseTo(expected, 6);
    // Not trivially clipped: at least one problem's ratio is inside (−1, 1) or the references differ per problem.
    expect(Math.abs(got)).toBeLessThanOrEqual(VS_REFERENCE_CLIP);
    // The loss scale does not move it.
    expect(await score(scaled(base, 1000), 'vs-reference', 4, phi, refs)).toBeCloseTo(got, 4);
    // A reference equal to φ itself scores 0.
    const self = [{ name: 'self', optimizer: tinyLearned().withMetaParams(phi) }];
    expect(await score(base, 'vs-reference', 4, phi, self)).toBeCloseTo(0, 10);
    disposeMap(phi);
  });

  it('clippedLogRatio clips to ±VS_REFERENCE_CLIP and counts a non-finite loss of φ as lost', () => {
    expect(clippedLogRatio(2, 1)).toBeCloseTo(Math.log(2), 12);
    expect(clippedLogRatio(1e6, 1)).toBe(VS_REFERENCE_CLIP);
    expect(clippedLogRatio(1e-6, 1)).toBe(-VS_REFERENCE_CLIP);
    expect(clippedLogRatio(Number.NaN, 1)).toBe(VS_REFERENCE_CLIP);
    expect(clippedLogRatio(Number.POSITIVE_INFINITY, 1)).toBe(VS_REFERENCE_CLIP);
    expect(clippedLogRatio(1, Number.NaN)).toBe(-VS_REFERENCE_CLIP);
  });

  it("'vs-reference' needs references, and other metrics refuse them, naming the field", () => {
    const common = {
      learned: tinyLearned(),
      family: conformanceQuadraticFamily(),
      epochs: 1,
      seed: 1,
      horizon: 20,
      unroll: 5,
    };
    expect(() => resolveMetaTrainSettings({ ...common, validationMetric: 'vs-reference' })).toThrow(
      /validationReferences: validationMetric 'vs-reference' needs at least one reference/,
    );
    const refs = [{ name: 'adam', optimizer: adam({ learningRate: 0.01 }) }];
    expect(() =>
      resolveMetaTrainSettings({ ...common, validationMetric: 'final', validationReferences: refs }),
    ).toThrow(/validationReferences: only the 'vs-reference' validation metric uses them/);
    expect(() =>
      resolveMetaTrainSettings({
        ...common,
        validationMetric: 'vs-reference',
        validationReferences: [...refs, ...refs],
      }),
    ).toThrow(/validationReferences\[1\]\.name "adam" is used twice; names must be unique/);
  });
});
