import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { bpttEstimator } from './estimator-bptt.js';
import { pesEstimator } from './estimator-pes.js';
import { inProcessExecutor } from './executor.js';
import { averageMetaGradients } from './meta-step.js';
import { newEpisodeSlot, type MetaSlot } from './meta-slot.js';
import { disposeMap } from './tensor-map.js';
import { tinyLinearTask } from './test-fixtures.js';
import type { LearnedOptimizer, Optimizee, OptimizeeFamily, TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/**
 * The toy: f(θ) = ½·a·θ² with θ₀ = 1, and a learned optimizer with two meta-parameters, Δθ = −(p·∇f + q·θ).
 * Each step multiplies θ by c = 1 − p·a − q, so with φ + ε_j on truncation j (K steps each) the loss after step
 * k of truncation j is ½·a·Π_{i<j} c_i^{2K}·c_j^{2k}, with c_i = c − η_i, η_i = a·ε_p + ε_q ~ N(0, s²),
 * s² = σ²(a² + 1). Its Gaussian-smoothed expectation, and the gradient of that, are closed forms in the moments
 * m_n = E[(c − η)^n] = Σ_{j even} C(n, j) c^{n−j} s^j (j − 1)!!, with dm_n/dc = n·m_{n−1}.
 */
const A = 1.5;
const P = 0.05;
const Q = 0.025;
const K = 2;
const M = 3;

function toyLearned(): LearnedOptimizer<Record<string, never>> {
  return {
    name: 'toy',
    kind: 'toy',
    config: {},
    initMetaParams: () => ({ p: tf.scalar(P), q: tf.scalar(Q) }),
    withMetaParams: (phi) => ({
      name: 'toy',
      init: () => ({}),
      update: (grads, _state, params) =>
        tf.tidy(() => ({
          updates: { x: tf.neg(tf.add(tf.mul(phi['p']!, grads['x']!), tf.mul(phi['q']!, params['x']!))) },
          state: {},
        })),
    }),
  };
}

function toyProblem(): Optimizee<null> {
  return {
    name: 'half-a-x²',
    init: () => ({ x: tf.scalar(1) }),
    sampleBatch: () => null,
    loss: (p) => tf.tidy(() => tf.mul(0.5 * A, tf.square(p['x']!))) as tf.Scalar,
  };
}

function moment(n: number, c: number, s2: number): number {
  let total = 0;
  let binom = 1; // C(n, j)
  let dfact = 1; // (j − 1)!!
  for (let j = 0; j <= n; j++) {
    if (j > 0) binom = (binom * (n - j + 1)) / j;
    if (j % 2 === 0) {
      if (j > 0) dfact *= j - 1;
      total += binom * c ** (n - j) * s2 ** (j / 2) * dfact;
    }
  }
  return total;
}

/** The smoothed meta-loss F(c) = E[Σ_t f(θ_t)] over the M·K steps of one episode. */
function smoothedLoss(c: number, s2: number): number {
  let total = 0;
  for (let j = 0; j < M; j++) {
    let inner = 0;
    for (let k = 1; k <= K; k++) inner += moment(2 * k, c, s2);
    total += moment(2 * K, c, s2) ** j * inner;
  }
  return 0.5 * A * total;
}

/**
 * What truncated ES (perturbations not accumulated across truncations) estimates instead: only each truncation's
 * dependence on its own perturbation, Σ_j E[∂L_j/∂c_j] — the bias PES removes.
 */
function truncatedDerivative(c: number, s2: number): number {
  let total = 0;
  for (let j = 0; j < M; j++) {
    let dInner = 0;
    for (let k = 1; k <= K; k++) dInner += 2 * k * moment(2 * k - 1, c, s2);
    total += moment(2 * K, c, s2) ** j * dInner;
  }
  return 0.5 * A * total;
}

/** dF/dc in closed form. */
function smoothedLossDerivative(c: number, s2: number): number {
  const dm = (n: number): number => n * moment(n - 1, c, s2);
  let total = 0;
  const mK = moment(2 * K, c, s2);
  let inner = 0;
  let dInner = 0;
  for (let k = 1; k <= K; k++) {
    inner += moment(2 * k, c, s2);
    dInner += dm(2 * k);
  }
  for (let j = 0; j < M; j++) total += (j > 0 ? j * mK ** (j - 1) * dm(2 * K) * inner : 0) + mK ** j * dInner;
  return 0.5 * A * total;
}

const scalarOf = (m: TensorMap, k: string): number => m[k]!.dataSync()[0]!;

describe('pesEstimator', () => {
  it('the closed form of the smoothed gradient agrees with high-precision finite differences of F', () => {
    const s2 = 0.05 ** 2 * (A * A + 1);
    const c = 1 - P * A - Q;
    const exact = smoothedLossDerivative(c, s2);
    for (const h of [1e-5, 1e-6]) {
      const fd = (smoothedLoss(c + h, s2) - smoothedLoss(c - h, s2)) / (2 * h);
      expect(Math.abs(fd - exact)).toBeLessThan(1e-7 * Math.abs(exact));
    }
    // s → 0: the moments become powers and F the plain meta-loss Σ_t ½·a·c^{2t}.
    let plain = 0;
    for (let t = 1; t <= M * K; t++) plain += 0.5 * A * c ** (2 * t);
    expect(smoothedLoss(c, 0)).toBeCloseTo(plain, 12);
  });

  it('is unbiased: the mean of many whole-episode PES estimates agrees with ∇F within its standard error', () => {
    const sigma = 0.05;
    const estimator = pesEstimator({ learned: toyLearned(), unroll: K, sigma });
    const phi = toyLearned().initMetaParams(undefined as never);
    const problem = toyProblem();
    const before = tf.memory().numTensors;
    const episodes = 600;
    const sums = { p: [] as number[], q: [] as number[], loss: [] as number[] };
    for (let e = 0; e < episodes; e++) {
      let slot: MetaSlot = newEpisodeSlot(123, e, M * K);
      let gp = 0;
      let gq = 0;
      let loss = 0;
      for (let j = 0; j < M; j++) {
        const r = estimator.estimate(phi, slot, problem);
        gp += scalarOf(r.metaGradient, 'p');
        gq += scalarOf(r.metaGradient, 'q');
        loss += r.losses.reduce((a, b) => a + b, 0);
        disposeMap(r.metaGradient);
        if (slot.tensors !== null) tf.dispose(slot.tensors);
        slot = r.slot;
      }
      expect(slot.info.step).toBe(M * K);
      tf.dispose(slot.tensors!);
      sums.p.push(gp);
      sums.q.push(gq);
      sums.loss.push(loss);
    }
    expect(tf.memory().numTensors).toBe(before);
    const s2 = sigma ** 2 * (A * A + 1);
    const dFdc = smoothedLossDerivative(1 - P * A - Q, s2);
    const exact = { p: -A * dFdc, q: -dFdc, loss: smoothedLoss(1 - P * A - Q, s2) };
    const dTrunc = truncatedDerivative(1 - P * A - Q, s2);
    const truncated = { p: -A * dTrunc, q: -dTrunc, loss: exact.loss };
    for (const k of ['p', 'q', 'loss'] as const) {
      const xs = sums[k];
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const se = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1) / xs.length);
      // Within 4 standard errors of the truth, and precise enough to reject what truncated ES estimates.
      expect(Math.abs(mean - exact[k])).toBeLessThan(4 * se);
      if (k !== 'loss') expect(Math.abs(truncated[k] - exact[k])).toBeGreaterThan(6 * se);
    }
    disposeMap(phi);
  });

  it('the variance of the slot-averaged estimate falls as 1/n with n tasks per step', async () => {
    const estimator = pesEstimator({ learned: toyLearned(), unroll: K, sigma: 0.05 });
    const family: OptimizeeFamily<null> = { name: 'toy', sample: () => toyProblem() };
    const executor = inProcessExecutor();
    const phi = toyLearned().initMetaParams(undefined as never);
    const variance = async (n: number, replicates: number): Promise<number> => {
      const xs: number[] = [];
      let episode = 0;
      for (let r = 0; r < replicates; r++) {
        const slots = Array.from({ length: n }, () => newEpisodeSlot(77, episode++, M * K));
        const results = await executor.run({ phi, metaStep: 0, slots, estimator, family });
        const mean = averageMetaGradients(results.map((x) => x.metaGradient));
        xs.push(scalarOf(mean, 'p'));
        disposeMap(mean);
        for (const x of results) {
          disposeMap(x.metaGradient);
          tf.dispose(x.slot.tensors!);
        }
      }
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
    };
    const v1 = await variance(1, 400);
    const v4 = await variance(4, 400);
    // Independent slots: v1 / v4 ≈ 4 (the sample variances carry ≈ 10% noise each at 400 replicates).
    expect(v1 / v4).toBeGreaterThan(4 / 1.5);
    expect(v1 / v4).toBeLessThan(4 * 1.5);
    executor.dispose();
    disposeMap(phi);
  });

  it('on a task with constant gradients, its first-truncation mean matches truncated BPTT (exact there)', () => {
    // With ∇f constant the BPTT surrogate is the true gradient of the truncation's loss; PES on the first
    // truncation (ξ = ε) is antithetic ES of the same loss, unbiased up to O(σ²) smoothing.
    const pes = pesEstimator({ learned: toyLearned(), unroll: 3, sigma: 0.01 });
    const bptt = bpttEstimator({ learned: toyLearned(), unroll: 3 });
    const phi = toyLearned().initMetaParams(undefined as never);
    const linear = tinyLinearTask();
    const task: Optimizee<null> = {
      ...linear,
      init: () => ({ x: tf.scalar(2) }),
      loss: (p) => tf.tidy(() => tf.mul(1, p['x']!)) as tf.Scalar,
    };
    const truth = bptt.estimate(phi, newEpisodeSlot(1, 0, 6), task);
    const xs: number[][] = [];
    for (let e = 0; e < 600; e++) {
      const r = pes.estimate(phi, newEpisodeSlot(9, e, 6), task);
      xs.push([scalarOf(r.metaGradient, 'p'), scalarOf(r.metaGradient, 'q')]);
      disposeMap(r.metaGradient);
      tf.dispose(r.slot.tensors!);
    }
    for (const [i, k] of [
      [0, 'p'],
      [1, 'q'],
    ] as const) {
      const col = xs.map((x) => x[i]!);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      const se = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / (col.length - 1) / col.length);
      const want = scalarOf(truth.metaGradient, k);
      expect(se).toBeLessThan(0.15 * Math.abs(want));
      expect(Math.abs(mean - want)).toBeLessThan(4 * se);
    }
    disposeMap(truth.metaGradient);
    tf.dispose(truth.slot.tensors!);
    disposeMap(phi);
  });

  it('resets its accumulator at episode start, and names a bad σ', () => {
    const est = pesEstimator({ learned: toyLearned(), unroll: K, sigma: 0.05 });
    const phi = toyLearned().initMetaParams(undefined as never);
    const r = est.estimate(phi, newEpisodeSlot(4, 0, K), toyProblem());
    // After the first truncation ξ = ε: ĝ = coefficient · ξ, so ξ is parallel to ĝ.
    const acc = (r.slot.tensors as { accumulator: TensorMap }).accumulator;
    const ratio = scalarOf(r.metaGradient, 'p') / scalarOf(acc, 'p');
    expect(scalarOf(r.metaGradient, 'q') / scalarOf(acc, 'q')).toBeCloseTo(ratio, 4);
    disposeMap(r.metaGradient);
    tf.dispose(r.slot.tensors!);
    disposeMap(phi);
    expect(() => pesEstimator({ learned: toyLearned(), unroll: K, sigma: 0 })).toThrow(
      /pesSigma: must be a finite number > 0/,
    );
  });
});
