import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, type OptimizeeFamily } from '@l2o/core';
import { sgd } from './sgd.js';
import {
  DEFAULT_LEARNING_RATE_GRID,
  halfDecade,
  nextHalfDecade,
  tuneBaselines,
  tuneLearningRate,
} from './tune-learning-rate.js';
import type { TuneProgress } from './tune-learning-rate.js';

const THETA0 = [1, -2];

/**
 * f(θ) = ½ h ‖θ‖², the same problem every draw, θ₀ = (1, −2). SGD gives θ_t = (1 − αh)ᵗ θ₀, so
 * f(θ_t) = f(θ₀)(1 − αh)^{2t}: the best rate is α = 1/h exactly, and every score has a closed form.
 */
function quadraticFamily(h: number): OptimizeeFamily<null> {
  return {
    name: `quadratic(h=${h})`,
    sample: () => ({
      name: 'quadratic',
      init: () => ({ theta: tf.tensor1d(THETA0) }),
      sampleBatch: () => null,
      loss: (p) => tf.tidy(() => tf.mul(0.5 * h, tf.sum(tf.square(p['theta']!))) as tf.Scalar),
    }),
  };
}

const f0 = (h: number): number => 0.5 * h * (THETA0[0]! ** 2 + THETA0[1]! ** 2);
const finalLoss = (h: number, lr: number, steps: number): number => f0(h) * (1 - lr * h) ** (2 * steps);
const meanLoss = (h: number, lr: number, steps: number): number => {
  let s = 0;
  for (let t = 0; t <= steps; t++) s += f0(h) * (1 - lr * h) ** (2 * t);
  return s / (steps + 1);
};

function expectRelClose(got: number, want: number, rel = 1e-4, abs = 1e-9): void {
  expect(Math.abs(got - want)).toBeLessThanOrEqual(rel * Math.abs(want) + abs);
}

describe('half-decade ladder', () => {
  it('default grid is 1e-4, 3e-4, …, 3, 10', () => {
    expect(DEFAULT_LEARNING_RATE_GRID).toEqual([1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10]);
    expect(halfDecade(-1)).toBe(0.3);
  });

  it('steps along the ladder, and by √10 off it', () => {
    expect(nextHalfDecade(10, 'up')).toBe(30);
    expect(nextHalfDecade(3, 'up')).toBe(10);
    expect(nextHalfDecade(1e-4, 'down')).toBe(3e-5);
    expect(nextHalfDecade(3e-5, 'down')).toBe(1e-5);
    expect(nextHalfDecade(0.3, 'down')).toBe(0.1);
    expect(nextHalfDecade(0.005, 'up')).toBeCloseTo(0.005 * Math.sqrt(10), 12);
    expect(() => nextHalfDecade(0, 'up')).toThrow(/lr must be a finite number > 0/);
  });
});

describe('tuneLearningRate', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('finds α = 1/h on the default grid, with closed-form scores', async () => {
    const h = 1 / 0.3;
    const steps = 10;
    const before = tf.memory().numTensors;
    const r = await tuneLearningRate({
      refine: 0,
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family: quadraticFamily(h),
      problems: 2,
      steps,
      seed: 7,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.best).toBe(0.3);
    expect(r.bestAtEdge).toBe(false);
    expect(r.extended).toBe(0);
    expect(r.grid).toEqual([...DEFAULT_LEARNING_RATE_GRID]);
    expect(r.metric).toBe('final');
    for (const { learningRate, score } of r.scores) {
      const want = finalLoss(h, learningRate, steps);
      // α = 0.3 lands on 0 up to float32 rounding of h; α ≥ 1 diverges, far beyond float32 for α = 10.
      if (learningRate === 0.3) expect(score).toBeLessThan(1e-10);
      else if (want > 3e38) expect(score).toBe(Number.POSITIVE_INFINITY);
      else expectRelClose(score, want);
    }
    expect(r.bestScore).toBe(r.scores.find((s) => s.learningRate === 0.3)!.score);
  });

  it("metric 'mean' averages f(θ_t) over t = 0…steps", async () => {
    const h = 2;
    const steps = 6;
    const r = await tuneLearningRate({
      refine: 0,
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family: quadraticFamily(h),
      problems: 1,
      steps,
      seed: 1,
      grid: [0.1, 0.3, 1],
      metric: 'mean',
      extendEdges: false,
    });
    // 0.3 → factor 0.16 per step (vs 0.64 at 0.1, 1 at 1.0): the best, strictly inside.
    expect(r.best).toBe(0.3);
    for (const { learningRate, score } of r.scores) expectRelClose(score, meanLoss(h, learningRate, steps));
  });

  it('extends the grid upward while the best is at the top edge, until it is interior', async () => {
    const h = 1 / 0.3;
    const events: TuneProgress[] = [];
    const r = await tuneLearningRate({
      refine: 0,
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family: quadraticFamily(h),
      problems: 2,
      steps: 10,
      seed: 3,
      grid: [1e-3, 3e-3, 1e-2],
      onProgress: (p) => events.push(p),
    });
    // 1e-2 is best → add 3e-2, 0.1, 0.3, then 1 (which diverges) makes 0.3 interior: 4 extensions.
    expect(r.grid).toEqual([1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1]);
    expect(r.extended).toBe(4);
    expect(r.best).toBe(0.3);
    expect(r.bestAtEdge).toBe(false);
    // Round 0: 3 rates × 2 problems; then 4 rounds of 1 rate × 2 problems.
    expect(events.length).toBe(6 + 4 * 2);
    expect(events[5]).toEqual({ name: 'sgd', round: 0, learningRates: [1e-3, 3e-3, 1e-2], done: 6, total: 6 });
    expect(events[events.length - 1]).toEqual({ name: 'sgd', round: 4, learningRates: [1], done: 2, total: 2 });
  });

  it('reports bestAtEdge honestly when maxExtensions runs out', async () => {
    const r = await tuneLearningRate({
      refine: 0,
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family: quadraticFamily(1 / 0.3),
      problems: 1,
      steps: 10,
      seed: 3,
      grid: [1e-3, 3e-3, 1e-2],
      maxExtensions: 2,
    });
    expect(r.grid).toEqual([1e-3, 3e-3, 1e-2, 3e-2, 0.1]);
    expect(r.best).toBe(0.1);
    expect(r.extended).toBe(2);
    expect(r.bestAtEdge).toBe(true);

    const off = await tuneLearningRate({
      refine: 0,
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family: quadraticFamily(1 / 0.3),
      problems: 1,
      steps: 10,
      seed: 3,
      grid: [1e-3, 3e-3, 1e-2],
      extendEdges: false,
    });
    expect(off.grid).toEqual([1e-3, 3e-3, 1e-2]);
    expect(off.best).toBe(1e-2);
    expect(off.extended).toBe(0);
    expect(off.bestAtEdge).toBe(true);
  });

  it('extends downward, scoring NaN/∞ losses as +∞', async () => {
    const h = 1000;
    const steps = 30;
    const r = await tuneLearningRate({
      refine: 0,
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family: quadraticFamily(h),
      problems: 1,
      steps,
      seed: 5,
      grid: [10, 0.01, 0.03], // unsorted on purpose
    });
    // Every rate diverges; 10 overflows float32 (θ_t ~ 1e4ᵗ) to ∞ and then NaN.
    expect(r.scores.find((s) => s.learningRate === 10)!.score).toBe(Number.POSITIVE_INFINITY);
    // 0.01 is least bad → 3e-3 (factor 4 per step, still diverging), 1e-3 (exact), 3e-4 (0.49): 3 extensions.
    expect(r.grid).toEqual([3e-4, 1e-3, 3e-3, 0.01, 0.03, 10]);
    expect(r.extended).toBe(3);
    expect(r.best).toBe(1e-3);
    expect(r.bestAtEdge).toBe(false);
    expectRelClose(r.scores[0]!.score, finalLoss(h, 3e-4, steps), 1e-3);
  });

  it('rejects bad options, naming the field and the allowed values', async () => {
    const base = {
      name: 'sgd',
      make: (lr: number) => sgd({ learningRate: lr }),
      family: quadraticFamily(1),
      problems: 1,
      steps: 2,
      seed: 1,
    };
    await expect(tuneLearningRate({ ...base, grid: [] })).rejects.toThrow(/grid must be a non-empty array/);
    await expect(tuneLearningRate({ ...base, grid: [0.1, -1] })).rejects.toThrow(
      /grid\[1\] must be a finite number > 0/,
    );
    await expect(tuneLearningRate({ ...base, metric: 'best' as 'final' })).rejects.toThrow(
      /metric must be one of final, mean; got best/,
    );
    await expect(tuneLearningRate({ ...base, maxExtensions: -1 })).rejects.toThrow(
      /maxExtensions must be an integer ≥ 0/,
    );
    await expect(tuneLearningRate({ ...base, name: '' })).rejects.toThrow(/name must be a non-empty string/);
    await expect(tuneLearningRate({ ...base, problems: 0 })).rejects.toThrow(/problems must be a positive integer/);
  });
});

describe('tuneBaselines', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('tunes each named baseline on the same problems', async () => {
    const common = { family: quadraticFamily(1 / 0.3), problems: 1, steps: 10, seed: 11, grid: [0.03, 0.1, 0.3, 1] };
    const results = await tuneBaselines({ ...common, names: ['sgd', 'adam'] });
    expect(results.map((r) => r.name)).toEqual(['sgd', 'adam']);
    const sgdAlone = await tuneLearningRate({ ...common, name: 'sgd', make: (lr) => sgd({ learningRate: lr }) });
    expect(results[0]).toEqual(sgdAlone);
    expect(results[0]!.best).toBe(0.3);
    for (const r of results) {
      expect(r.bestScore).toBe(Math.min(...r.scores.map((s) => s.score)));
      expect(r.grid).toContain(r.best);
    }
  });

  it('rejects unknown baseline names, listing the allowed ones', async () => {
    await expect(
      tuneBaselines({ family: quadraticFamily(1), problems: 1, steps: 2, seed: 1, names: ['sgd', 'lbfgs' as 'sgd'] }),
    ).rejects.toThrow(/names\[1\]: unknown baseline "lbfgs"; allowed values: sgd, nag, rmsprop, adam/);
  });
});

describe('tuneLearningRate refinement', () => {
  it('refines between grid points towards the closed-form optimum 1/h', async () => {
    // f(θ) = ½ h ||θ||² with SGD: θ_T = (1 − lr·h)^T θ₀, minimised at lr = 1/h. With h = 2.5 the optimum 0.4
    // lies between the half-decade grid points 0.3 and 1.
    const family = quadraticFamily(2.5);
    const coarse = await tuneLearningRate({
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family,
      problems: 2,
      steps: 5,
      seed: 1,
      refine: 0,
    });
    const fine = await tuneLearningRate({
      name: 'sgd',
      make: (lr) => sgd({ learningRate: lr }),
      family,
      problems: 2,
      steps: 5,
      seed: 1,
      refine: 2,
    });
    expect(coarse.best).toBe(0.3);
    expect(fine.refined).toBeGreaterThan(0);
    expect(Math.abs(Math.log(fine.best / 0.4))).toBeLessThan(Math.abs(Math.log(coarse.best / 0.4)));
    expect(fine.bestScore).toBeLessThan(coarse.bestScore);
  });
});
