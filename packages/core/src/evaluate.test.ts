import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { evaluate, problemStreams, quantile, summarise, type EvaluateEntry, type OptimizerCurve } from './evaluate.js';
import type { Rng } from './rng.js';
import type { Optimizee, OptimizeeFamily, Optimizer, OptimizerStep, TensorMap } from './types.js';

/**
 * f(θ; b) = a/2 · (θ − b)², θ ∈ ℝ. a ~ U[0.5, 1.5) from the problem stream, θ₀ ~ N(0, 1) from the init stream,
 * b ~ noise · N(0, 1) from the batch stream (noise = 0: deterministic, b = 0).
 */
function quadraticFamily(noise: number, counters = { sampled: 0, disposed: 0 }): OptimizeeFamily<tf.Scalar> {
  return {
    name: `quad1d(noise=${noise})`,
    sample(rng: Rng): Optimizee<tf.Scalar> {
      const a = 0.5 + rng.uniform();
      const aT = tf.scalar(a);
      counters.sampled++;
      return {
        name: 'quad1d',
        init: (r) => ({ x: tf.scalar(r.normal()) }),
        sampleBatch: (r) => tf.scalar(noise * r.normal()),
        loss: (p, b) => tf.tidy(() => tf.mul(tf.mul(aT, 0.5), tf.square(tf.sub(p['x']!, b))) as tf.Scalar),
        dispose: () => {
          counters.disposed++;
          aT.dispose();
        },
      };
    },
  };
}

/** Plain SGD, stateless. */
function sgd(lr: number): Optimizer<Record<string, never>> {
  return {
    name: `sgd(${lr})`,
    init: () => ({}),
    update: (grads) => {
      const updates: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) updates[k] = tf.mul(g, -lr);
      return { updates, state: {} };
    },
  };
}

/** Heavy-ball momentum with its velocity as explicit tensor state. */
function momentum(lr: number, beta: number): Optimizer<{ v: TensorMap }> {
  return {
    name: 'momentum',
    init: (params) => {
      const v: Record<string, tf.Tensor> = {};
      for (const [k, p] of Object.entries(params)) v[k] = tf.zerosLike(p);
      return { v };
    },
    update: (grads, state): OptimizerStep<{ v: TensorMap }> => {
      const v: Record<string, tf.Tensor> = {};
      const updates: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) {
        v[k] = tf.add(tf.mul(state.v[k]!, beta), g);
        updates[k] = tf.mul(v[k]!, -lr);
      }
      return { updates, state: { v } };
    },
  };
}

/** SGD whose state keeps the caller's gradient tensor itself (aliasing an input), to exercise disposal. */
function aliasingSgd(lr: number): Optimizer<{ prev: tf.Tensor[] }> {
  return {
    name: 'aliasing',
    init: () => ({ prev: [] }),
    update: (grads) => {
      const g = grads['x']!;
      return { updates: { x: tf.mul(g, -lr) }, state: { prev: [g] } };
    },
  };
}

/** Float64 replay of SGD/momentum on problem r, with the same streams as `evaluate`. */
function replay(seed: number, r: number, steps: number, noise: number, lr: number, beta = 0): number[] {
  const s = problemStreams(seed, r);
  const a = 0.5 + s.problem.uniform();
  let x = s.init.normal();
  let v = 0;
  const out: number[] = [];
  for (let t = 0; t <= steps; t++) {
    const b = noise * s.batches.normal();
    out.push((a / 2) * (x - b) ** 2);
    const g = a * (x - b);
    v = beta * v + g;
    x -= lr * v;
  }
  return out;
}

function expectClose(actual: readonly number[], expected: readonly number[], rel = 2e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((v, i) => {
    const e = expected[i]!;
    expect(Math.abs(v - e)).toBeLessThanOrEqual(rel * Math.abs(e) + 1e-12);
  });
}

function hand(values: number[]): { mean: number; std: number; q25: number; median: number; q75: number } {
  const m = values.reduce((s, v) => s + v, 0) / values.length;
  const std = Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / values.length);
  const sorted = [...values].sort((p, q) => p - q);
  const q = (p: number): number => {
    const h = (sorted.length - 1) * p;
    const lo = Math.floor(h);
    return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (h - lo);
  };
  return { mean: m, std, q25: q(0.25), median: q(0.5), q75: q(0.75) };
}

beforeAll(async () => {
  await initEngine('wasm');
});

describe('evaluate', () => {
  it('matches the closed form θ_t = (1 − lr·a)^t θ₀ on a deterministic quadratic', async () => {
    const lr = 0.3;
    const steps = 12;
    const res = await evaluate({
      family: quadraticFamily(0),
      optimizers: [{ name: 'SGD', optimizer: sgd(lr) }],
      problems: 3,
      steps,
      seed: 5,
    });
    expect(res.family).toBe('quad1d(noise=0)');
    expect(res.problems).toBe(3);
    expect(res.steps).toBe(steps);
    expect(res.seed).toBe(5);
    const curve = res.curves[0]!;
    expect(curve.name).toBe('SGD');
    expect(curve.mean).toHaveLength(steps + 1);
    const perProblem = [0, 1, 2].map((r) => {
      const s = problemStreams(5, r);
      const a = 0.5 + s.problem.uniform();
      const x0 = s.init.normal();
      return Array.from({ length: steps + 1 }, (_, t) => (a / 2) * x0 * x0 * (1 - lr * a) ** (2 * t));
    });
    expectClose(
      curve.finalLosses,
      perProblem.map((row) => row[steps]!),
    );
    const means = Array.from({ length: steps + 1 }, (_, t) => hand(perProblem.map((row) => row[t]!)).mean);
    expectClose(curve.mean, means);
  });

  it('measures each loss on the minibatch of that step and replays the same batches for every optimizer', async () => {
    const seed = 11;
    const steps = 15;
    const problems = 4;
    const res = await evaluate({
      family: quadraticFamily(0.5),
      optimizers: [
        { name: 'SGD', optimizer: sgd(0.2) },
        { name: 'Momentum', optimizer: momentum(0.1, 0.9) },
      ],
      problems,
      steps,
      seed,
    });
    const sgdRows = Array.from({ length: problems }, (_, r) => replay(seed, r, steps, 0.5, 0.2));
    const momRows = Array.from({ length: problems }, (_, r) => replay(seed, r, steps, 0.5, 0.1, 0.9));
    for (const [curve, rows] of [
      [res.curves[0]!, sgdRows],
      [res.curves[1]!, momRows],
    ] as const) {
      expectClose(
        curve.finalLosses,
        rows.map((row) => row[steps]!),
        1e-4,
      );
      for (let t = 0; t <= steps; t++) {
        const h = hand(rows.map((row) => row[t]!));
        expect(curve.mean[t]).toBeCloseTo(h.mean, 4);
        expect(curve.std[t]).toBeCloseTo(h.std, 4);
        expect(curve.median[t]).toBeCloseTo(h.median, 4);
        expect(curve.q25[t]).toBeCloseTo(h.q25, 4);
        expect(curve.q75[t]).toBeCloseTo(h.q75, 4);
      }
    }
    // Same problems, θ₀ and first batch: the loss at t = 0 is the same for every optimizer.
    expect(res.curves[0]!.mean[0]).toBe(res.curves[1]!.mean[0]);
  });

  it('gives identical curves to two identical optimizers, and depends on the seed', async () => {
    const family = quadraticFamily(1);
    const optimizers: EvaluateEntry[] = [
      { name: 'A', optimizer: sgd(0.1) },
      { name: 'B', optimizer: sgd(0.1) },
    ];
    const res = await evaluate({ family, optimizers, problems: 3, steps: 8, seed: 1 });
    const { name: _a, ...a } = res.curves[0]!;
    const { name: _b, ...b } = res.curves[1]!;
    expect(a).toEqual(b);
    const again = await evaluate({ family, optimizers, problems: 3, steps: 8, seed: 1 });
    expect(again).toEqual(res);
    const other = await evaluate({ family, optimizers, problems: 3, steps: 8, seed: 2 });
    expect(other.curves[0]!.finalLosses).not.toEqual(res.curves[0]!.finalLosses);
  });

  it('tells every optimizer the run length through init (InitContext.totalSteps)', async () => {
    const seen: (number | undefined)[] = [];
    const probe: Optimizer<{ step: number }> = {
      name: 'probe',
      init: (_params, context) => {
        seen.push(context?.totalSteps);
        return { step: 0 };
      },
      update: (grads, state) => ({
        updates: tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, -0.1)]))),
        state: { step: state.step + 1 },
      }),
    };
    await evaluate({
      family: quadraticFamily(0),
      optimizers: [{ name: 'p', optimizer: probe }],
      problems: 2,
      steps: 7,
      seed: 1,
    });
    expect(seen).toEqual([7, 7]);
  });

  it('samples each problem once, disposes it, reports progress and leaks no tensor', async () => {
    const counters = { sampled: 0, disposed: 0 };
    const progress: [number, number][] = [];
    // Warm up (kernels may allocate once), then count.
    await evaluate({
      family: quadraticFamily(1),
      optimizers: [{ name: 'M', optimizer: momentum(0.1, 0.5) }],
      problems: 1,
      steps: 2,
      seed: 0,
    });
    const before = tf.memory().numTensors;
    await evaluate({
      family: quadraticFamily(1, counters),
      optimizers: [
        { name: 'SGD', optimizer: sgd(0.1) },
        { name: 'Momentum', optimizer: momentum(0.1, 0.5) },
        { name: 'Aliasing', optimizer: aliasingSgd(0.1) },
      ],
      problems: 3,
      steps: 70, // more than one read-back chunk
      seed: 3,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(counters).toEqual({ sampled: 3, disposed: 3 });
    expect(progress).toEqual(Array.from({ length: 9 }, (_, i) => [i + 1, 9]));
  });

  it('aliasing state gives the same numbers as plain SGD', async () => {
    const res = await evaluate({
      family: quadraticFamily(0.3),
      optimizers: [
        { name: 'SGD', optimizer: sgd(0.2) },
        { name: 'Aliasing', optimizer: aliasingSgd(0.2) },
      ],
      problems: 2,
      steps: 5,
      seed: 9,
    });
    expect(res.curves[1]!.mean).toEqual(res.curves[0]!.mean);
  });

  it('records non-finite losses as they are and propagates them into the statistics', async () => {
    const before = tf.memory().numTensors;
    const res = await evaluate({
      family: quadraticFamily(0),
      optimizers: [{ name: 'diverging', optimizer: sgd(1e7) }],
      problems: 2,
      steps: 12,
      seed: 4,
    });
    const c = res.curves[0]!;
    expect(Number.isFinite(c.mean[0]!)).toBe(true);
    // |θ| grows by ≈1e7 per step: float32 overflows to ∞ within a few steps, then ∞ − ∞ = NaN.
    expect(c.finalLosses.every((v) => Number.isNaN(v))).toBe(true);
    expect(c.mean[12]).toBeNaN();
    expect(c.median[12]).toBeNaN();
    expect(c.mean.some((v) => v === Infinity)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keeps every run's loss at every step and counts the runs that diverged at each step", async () => {
    const seed = 21;
    const steps = 6;
    const problems = 8;
    // SGD, except that problems starting at θ₀ < 0 get a NaN update at step 2 (so their loss is NaN from t = 3).
    const poisoned: Optimizer<{ t: number }> = {
      name: 'poisoned',
      init: () => ({ t: 0 }),
      update: (grads, state, params) => ({
        updates: tf.tidy(() => {
          const x = params['x']!;
          const step = tf.mul(grads['x']!, -0.2);
          if (state.t !== 2) return { x: step };
          return { x: tf.where(tf.less(x, 0), tf.fill(x.shape, Number.NaN), step) };
        }),
        state: { t: state.t + 1 },
      }),
    };
    const res = await evaluate({
      family: quadraticFamily(0.5),
      optimizers: [
        { name: 'SGD', optimizer: sgd(0.2) },
        { name: 'poisoned', optimizer: poisoned },
      ],
      problems,
      steps,
      seed,
    });
    const rows = Array.from({ length: problems }, (_, r) => replay(seed, r, steps, 0.5, 0.2));
    const negative = Array.from({ length: problems }, (_, r) => problemStreams(seed, r).init.normal() < 0);
    const k = negative.filter(Boolean).length;
    expect(k).toBeGreaterThan(0);
    const [plain, bad] = res.curves as [OptimizerCurve, OptimizerCurve];
    expect(plain.losses).toHaveLength(problems);
    plain.losses!.forEach((row, r) => expectClose(row, rows[r]!, 1e-4));
    expect(plain.diverged).toEqual(new Array(steps + 1).fill(0));
    bad.losses!.forEach((row, r) => {
      row.forEach((v, t) => {
        if (negative[r] && t >= 3) expect(v).toBeNaN();
        else expect(Math.abs(v - rows[r]![t]!)).toBeLessThanOrEqual(1e-4 * rows[r]![t]! + 1e-12);
      });
    });
    expect(bad.diverged).toEqual([0, 0, 0, k, k, k, k]);
  });

  it('firstProblem runs problems firstProblem… so an evaluation can be split into pieces', async () => {
    const family = quadraticFamily(0.5);
    const optimizers = [{ name: 'M', optimizer: momentum(0.1, 0.5) }];
    const whole = await evaluate({ family, optimizers, problems: 4, steps: 5, seed: 3 });
    const pieces = [];
    for (let r = 0; r < 4; r++) {
      const piece = await evaluate({ family, optimizers, problems: 1, steps: 5, seed: 3, firstProblem: r });
      expect(piece.firstProblem).toBe(r === 0 ? undefined : r);
      pieces.push(piece.curves[0]!.losses![0]!);
    }
    expect(pieces).toEqual(whole.curves[0]!.losses);
    await expect(evaluate({ family, optimizers, problems: 1, steps: 5, seed: 3, firstProblem: -1 })).rejects.toThrow(
      /firstProblem must be an integer ≥ 0/,
    );
  });

  it('disposes everything when an optimizer throws', async () => {
    const before = tf.memory().numTensors;
    const counters = { sampled: 0, disposed: 0 };
    const broken: Optimizer = {
      name: 'broken',
      init: () => ({}),
      update: () => {
        tf.scalar(1); // an intermediate: must be cleaned up too
        throw new Error('boom');
      },
    };
    await expect(
      evaluate({
        family: quadraticFamily(1, counters),
        optimizers: [{ name: 'broken', optimizer: broken }],
        problems: 2,
        steps: 3,
        seed: 0,
      }),
    ).rejects.toThrow('boom');
    expect(tf.memory().numTensors).toBe(before);
    expect(counters).toEqual({ sampled: 1, disposed: 1 });
  });

  it('rejects bad options with the field named', async () => {
    const base = {
      family: quadraticFamily(0),
      optimizers: [{ name: 'SGD', optimizer: sgd(0.1) }],
      problems: 2,
      steps: 3,
      seed: 0,
    };
    await expect(evaluate({ ...base, problems: 0 })).rejects.toThrow(/problems must be a positive integer/);
    await expect(evaluate({ ...base, problems: 1.5 })).rejects.toThrow(/problems/);
    await expect(evaluate({ ...base, steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(evaluate({ ...base, steps: Number.NaN })).rejects.toThrow(/steps/);
    await expect(evaluate({ ...base, seed: 0.5 })).rejects.toThrow(/seed must be an integer/);
    await expect(evaluate({ ...base, optimizers: [] })).rejects.toThrow(/optimizers must be a non-empty array/);
    await expect(
      evaluate({
        ...base,
        optimizers: [
          { name: 'SGD', optimizer: sgd(0.1) },
          { name: 'SGD', optimizer: sgd(0.2) },
        ],
      }),
    ).rejects.toThrow(/optimizers\[1\]\.name "SGD" is used twice/);
    await expect(evaluate({ ...base, optimizers: [{ name: '', optimizer: sgd(0.1) }] })).rejects.toThrow(
      /optimizers\[0\]\.name/,
    );
    await expect(
      evaluate({ ...base, optimizers: [{ name: 'x', optimizer: {} as unknown as Optimizer }] }),
    ).rejects.toThrow(/optimizers\[0\]\.optimizer must be an Optimizer/);
    await expect(evaluate({ ...base, family: {} as unknown as OptimizeeFamily<tf.Scalar> })).rejects.toThrow(
      /family must be an OptimizeeFamily/,
    );
  });
});

describe('summarise and quantile', () => {
  it('match a hand computation', () => {
    // 3 problems × 2 steps (+1): columns t = 0, 1, 2.
    const rows = [
      [4, 2, 1],
      [8, 3, 0.5],
      [6, 10, 2],
    ];
    const c = summarise('x', rows, 2);
    expect(c.mean).toEqual([6, 5, 3.5 / 3]);
    expect(c.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    expect(c.std[1]).toBeCloseTo(Math.sqrt((9 + 4 + 25) / 3), 12);
    expect(c.median).toEqual([6, 3, 1]);
    // type-7 quantiles of 3 values: q25 at h = 0.5, q75 at h = 1.5.
    expect(c.q25).toEqual([5, 2.5, 0.75]);
    expect(c.q75).toEqual([7, 6.5, 1.5]);
    expect(c.finalLosses).toEqual([1, 0.5, 2]);
  });

  it('propagates NaN and ∞', () => {
    expect(quantile([1, NaN, 3], 0.5)).toBeNaN();
    expect(quantile([1, Infinity, 3], 0.5)).toBe(3);
    expect(quantile([1, Infinity, Infinity], 0.75)).toBe(Infinity);
    expect(quantile([1, 2, Infinity, 4], 1)).toBe(Infinity);
    expect(quantile([-Infinity, 2, 3], 0)).toBe(-Infinity);
    const c = summarise(
      'x',
      [
        [1, NaN],
        [3, 2],
        [Infinity, 4],
      ],
      1,
    );
    expect(c.mean[0]).toBe(Infinity);
    expect(c.std[0]).toBeNaN();
    expect(c.median[0]).toBe(3);
    expect(c.mean[1]).toBeNaN();
    expect(c.q75[1]).toBeNaN();
  });

  it('quantile interpolates linearly', () => {
    expect(quantile([10, 20, 30, 40], 0.25)).toBeCloseTo(17.5, 12);
    expect(quantile([10, 20, 30, 40], 0.5)).toBeCloseTo(25, 12);
    expect(quantile([7], 0.25)).toBe(7);
  });
});
