import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, initEngine, type LearnedOptimizer, type Optimizer, Rng, type TensorMap } from '@l2o/core';
import { addMaps, unrollMetaGradient } from '@l2o/core/extend';
import {
  compareFusedMetaTrain,
  conformanceQuadraticFamily,
  mapRelativeError,
  relativeError,
  wideScaleSinProblem,
} from '@l2o/core/testing';
import { fusedKernelSupported, releaseFusedLstmInferenceKernels, releaseFusedLstmKernels } from '@l2o/optimizer-lstm';
import {
  beginFusedAveragingUnroll,
  coordinatewiseOptimizer,
  fusedAveragingInferenceOptimizer,
  lstmCell,
  lstmParamNames,
  lstmStatsLens,
  OUTPUT_B,
  OUTPUT_W,
} from '@l2o/optimizer-lstm/extend';
import { registerNodeKernelThreads } from '@l2o/optimizer-lstm/node';
import { type GacConfig, lstmPartOf } from './config.js';
import type { GacState } from './gac-network.js';
import { gacOptimizer, gacRowAveraging, gacZeroState } from './gac-optimizer.js';
import { averagingSegments, globalAverage } from './global-averaging.js';

beforeAll(async () => {
  await initEngine('wasm');
  registerNodeKernelThreads();
});
afterAll(() => {
  releaseFusedLstmKernels();
  releaseFusedLstmInferenceKernels();
});

/** 15 + 7 + 4 = 26 coordinates (not a multiple of 4), three tensors (three 'per-tensor' groups). */
const SHAPES: Record<string, number[]> = { a: [3, 5], b: [7], c: [2, 2] };

const problem = (rng: Rng) => wideScaleSinProblem(rng, SHAPES);
const relErr = relativeError;
const mapErr = mapRelativeError;

/** A nonzero start state whose averaged columns hold equal values per group, as a real GAC state does. */
function randomGacState(rng: Rng, cfg: GacConfig, segments: readonly number[]): GacState {
  const n = segments.reduce((a, b) => a + b, 0);
  // With moment inputs, statistics as after 3 steps: momenta ~ 0.1·N(0, 1), second moments 0.01·e^N(0, 1).
  const stats = (): tf.Tensor2D =>
    tf.tensor2d(
      Float32Array.from({ length: 4 * n }, (_, i) =>
        i % 4 === 3 ? 3 : i % 4 === 2 ? 0.01 * Math.exp(rng.normal()) : 0.1 * rng.normal(),
      ),
      [n, 4],
    );
  return tf.tidy(() => ({
    ...(cfg.preprocessing === 'log-sign-moments' ? { stats: stats() } : {}),
    h: cfg.hiddenSizes.map((H, l) =>
      globalAverage(
        tf.tensor2d(
          Float32Array.from(rng.normalArray(n * H), (v) => 0.5 * v),
          [n, H],
        ),
        cfg.globalCells[l]!,
        segments,
      ),
    ),
    c: cfg.hiddenSizes.map((H) =>
      tf.tensor2d(
        Float32Array.from(rng.normalArray(n * H), (v) => 0.5 * v),
        [n, H],
      ),
    ),
  }));
}

/**
 * Deliberately wrong variants of LSTM+GAC on the tfjs ops, to show the comparisons below can tell them apart:
 * 'no-backward': forward averaged, but the averaging passes the adjoint through unchanged (A skipped in the
 * backward); 'average-c': c averaged too.
 */
function wrongGac(cfg: GacConfig, mode: 'no-backward' | 'average-c'): LearnedOptimizer<GacState, GacConfig> {
  const right = gacOptimizer(cfg);
  const step = (phi: TensorMap, input: tf.Tensor2D, state: GacState, segs: number[]) =>
    tf.tidy(() => {
      let x = input;
      const h: tf.Tensor2D[] = [];
      const c: tf.Tensor2D[] = [];
      cfg.hiddenSizes.forEach((_, l) => {
        const n = lstmParamNames(l);
        const next = lstmCell(
          x,
          state.h[l]!,
          state.c[l]!,
          phi[n.wx] as tf.Tensor2D,
          phi[n.wh] as tf.Tensor2D,
          phi[n.b] as tf.Tensor1D,
        );
        const g = cfg.globalCells[l]!;
        const hOut =
          mode === 'no-backward'
            ? (tf.customGrad((...args) => ({
                value: globalAverage(args[0] as tf.Tensor2D, g, segs),
                gradFunc: (dy: tf.Tensor) => dy,
              }))(next.h) as tf.Tensor2D)
            : globalAverage(next.h, g, segs);
        h.push(hOut);
        c.push(mode === 'average-c' ? globalAverage(next.c, g, segs) : next.c);
        x = hOut;
      });
      const y = tf.add(tf.matMul(x, phi[OUTPUT_W] as tf.Tensor2D), phi[OUTPUT_B]!);
      return { output: tf.reshape(tf.mul(y, cfg.outputScale), [input.shape[0]]) as tf.Tensor1D, state: { h, c } };
    });
  return {
    ...right,
    withMetaParams(phi: TensorMap): Optimizer<GacState> {
      return coordinatewiseOptimizer<GacState>({
        name: `wrong ${mode}`,
        config: cfg,
        zeroState: (n) => gacZeroState(cfg, n),
        checkState: () => undefined,
        stats: lstmStatsLens<GacState>(),
        step: (input, state, grads) => step(phi, input, state, averagingSegments(grads, cfg.averaging)),
      });
    },
  };
}

interface Worst {
  update: number;
  state: number;
  loss: number;
  meta: number;
  /** The fused meta-gradient against the 'no-backward' variant's. */
  metaVsNoBackward: number;
}

/**
 * Two consecutive unrolls of K steps (the second from the first's final state, which is nonzero): the fused
 * unroll against the tfjs optimizer (updates, carried state, the losses along the trajectory) and core's
 * `unrollMetaGradient` on the tape (dφ). Returns the worst relative differences.
 */
function compareUnrolls(config: Partial<GacConfig>, seed: number, K: number, threads: 1 | 2): Worst {
  const learned = gacOptimizer(config);
  const cfg = learned.config;
  const rng = Rng.seeded(seed);
  const phi = learned.initMetaParams(rng.fork());
  const prob = problem(rng.fork());
  const opt = learned.withMetaParams(phi);
  const noBackward = wrongGac(cfg, 'no-backward');
  let theta = prob.theta;
  let state: GacState = randomGacState(rng.fork(), cfg, averagingSegments(theta, cfg.averaging));
  let grads = prob.grad(theta);
  const worst: Worst = { update: 0, state: 0, loss: 0, meta: 0, metaVsNoBackward: Infinity };
  const weights = Array.from({ length: K }, (_, i) => 1 + 0.5 * i);
  const loss = (th: TensorMap): number =>
    Object.values(th).reduce((s, t) => s + tf.tidy(() => tf.sum(tf.square(t)).dataSync()[0]!), 0);
  for (let u = 0; u < 2; u++) {
    const thetaStart = theta;
    const stateStart = state;
    const fused = beginFusedAveragingUnroll(lstmPartOf(cfg), phi, stateStart, gacRowAveraging(cfg), { threads });
    let thetaFused = theta;
    const seq: TensorMap[] = [grads];
    for (let k = 0; k < K; k++) {
      const ref = opt.update(seq[k]!, state, theta);
      const fast = fused.step(seq[k]!);
      worst.update = Math.max(worst.update, mapErr(fast, ref.updates));
      const next = addMaps(theta, ref.updates);
      const nextFused = addMaps(thetaFused, fast);
      const lRef = loss(next);
      worst.loss = Math.max(worst.loss, Math.abs(loss(nextFused) - lRef) / Math.max(lRef, 1e-30));
      disposeMap(fast);
      disposeMap(ref.updates);
      if (thetaFused !== thetaStart) disposeMap(thetaFused);
      thetaFused = nextFused;
      if (theta !== thetaStart) disposeMap(theta);
      if (state !== stateStart) tf.dispose(state);
      theta = next;
      state = ref.state;
      seq.push(prob.grad(theta));
    }
    disposeMap(thetaFused);
    const fState = fused.state();
    state.h.forEach((h, l) => {
      worst.state = Math.max(worst.state, relErr(fState.h[l]!, h), relErr(fState.c[l]!, state.c[l]!));
    });
    expect(fState.stats === undefined).toBe(state.stats === undefined);
    if (state.stats) worst.state = Math.max(worst.state, relErr(fState.stats!, state.stats));
    tf.dispose(fState);
    const refMeta = unrollMetaGradient(learned, phi, thetaStart, stateStart, seq, weights);
    const wrongMeta = unrollMetaGradient(noBackward, phi, thetaStart, stateStart, seq, weights);
    const fastMeta = fused.metaGradient(seq, weights);
    worst.meta = Math.max(worst.meta, mapErr(fastMeta, refMeta));
    worst.metaVsNoBackward = Math.min(worst.metaVsNoBackward, mapErr(fastMeta, wrongMeta));
    fused.dispose();
    disposeMap(refMeta);
    disposeMap(wrongMeta);
    disposeMap(fastMeta);
    if (thetaStart !== theta) disposeMap(thetaStart);
    tf.dispose(stateStart);
    for (let k = 0; k < K; k++) disposeMap(seq[k]);
    grads = seq[K]!;
  }
  disposeMap(grads);
  disposeMap(theta);
  tf.dispose(state);
  disposeMap(phi);
  prob.dispose();
  return worst;
}

const TOL = 1e-4;

describe('LSTM+GAC fused unroll against the tfjs tape', () => {
  it('the kernel is available here (otherwise every comparison below would test the fallback)', () => {
    expect(fusedKernelSupported()).toBe(true);
  });

  for (const averaging of ['all', 'per-tensor'] as const) {
    for (const threads of [1, 2] as const) {
      it(`averaging '${averaging}', 3 layers with 2 / 0 / 3 global cells, 26 rows, ${threads} thread(s): updates, losses, state and dφ agree`, () => {
        const before = tf.memory().numTensors;
        const worst = compareUnrolls(
          { hiddenSizes: [6, 5, 7], globalCells: [2, 0, 3], averaging },
          averaging === 'all' ? 11 : 12,
          4,
          threads,
        );
        console.log(`gac fused unroll (${averaging}, ${threads} threads), worst relative differences:`, worst);
        expect(worst.update).toBeLessThan(TOL);
        expect(worst.loss).toBeLessThan(TOL);
        expect(worst.state).toBeLessThan(TOL);
        expect(worst.meta).toBeLessThan(TOL);
        // The comparison can tell: dφ with the averaging skipped in the backward is far from the kernel's.
        expect(worst.metaVsNoBackward).toBeGreaterThan(100 * TOL);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  }

  it('the paper config (2×20, 5 global cells per layer), log-sign inputs: dφ agrees', () => {
    const worst = compareUnrolls({}, 13, 5, 2);
    expect(worst.update).toBeLessThan(TOL);
    expect(worst.meta).toBeLessThan(TOL);
    expect(worst.metaVsNoBackward).toBeGreaterThan(100 * TOL);
  });

  it('moment inputs (log-sign-moments), 2×7 with 3 / 2 global cells, per-tensor: updates, state with its statistics, and dφ agree', () => {
    const worst = compareUnrolls(
      { hiddenSizes: [7, 7], globalCells: [3, 2], averaging: 'per-tensor', preprocessing: 'log-sign-moments' },
      17,
      4,
      2,
    );
    expect(worst.update).toBeLessThan(TOL);
    expect(worst.state).toBeLessThan(TOL);
    expect(worst.meta).toBeLessThan(TOL);
    expect(worst.metaVsNoBackward).toBeGreaterThan(100 * TOL);
  });

  it('c is not averaged: a variant averaging c gives states and (from the second step) updates the kernel does not', () => {
    const cfg = gacOptimizer({ hiddenSizes: [6, 5], globalCells: [3, 2] }).config;
    const learned = gacOptimizer(cfg);
    const phi = learned.initMetaParams(Rng.seeded(3));
    const rng = Rng.seeded(4);
    const prob = problem(rng.fork());
    const segs = averagingSegments(prob.theta, cfg.averaging);
    const start = randomGacState(rng.fork(), cfg, segs);
    const right = learned.withMetaParams(phi);
    const wrong = wrongGac(cfg, 'average-c').withMetaParams(phi);
    const fused = beginFusedAveragingUnroll(lstmPartOf(cfg), phi, start, gacRowAveraging(cfg), { threads: 1 });
    const grads = prob.grad(prob.theta);
    const a = right.update(grads, start, prob.theta);
    const b = wrong.update(grads, start, prob.theta);
    const f = fused.step(grads);
    const fs = fused.state();
    expect(mapErr(f, a.updates)).toBeLessThan(TOL);
    expect(relErr(fs.c[0]!, a.state.c[0]!)).toBeLessThan(TOL);
    expect(relErr(fs.c[0]!, b.state.c[0]!)).toBeGreaterThan(100 * TOL);
    const a2 = right.update(grads, a.state, prob.theta);
    const b2 = wrong.update(grads, b.state, prob.theta);
    const f2 = fused.step(grads);
    expect(mapErr(f2, a2.updates)).toBeLessThan(TOL);
    expect(mapErr(f2, b2.updates)).toBeGreaterThan(10 * TOL); // ≈ 6e-3 here; the kernel is within 1e-6
    fused.dispose();
    tf.dispose([a.state, b.state, a2.state, b2.state, fs, start] as tf.TensorContainer[]);
    for (const m of [a.updates, b.updates, a2.updates, b2.updates, f, f2, grads, prob.theta, phi]) disposeMap(m);
    prob.dispose();
  });

  it('gacOptimizer offers the fused unroll; metaTrain (bptt) through it matches the generic path', async () => {
    const learned = gacOptimizer({ hiddenSizes: [8, 6], globalCells: [3, 2] });
    expect(learned.beginFusedUnroll).toBeDefined();
    const phi0 = learned.initMetaParams(Rng.seeded(1));
    const opts = {
      learned,
      family: conformanceQuadraticFamily(),
      epochs: 6,
      horizon: 20,
      unroll: 5,
      seed: 4,
      metaLearningRate: 0.01,
      validateEvery: 3,
      validationProblems: 2,
      initialMetaParams: phi0,
    };
    const before = tf.memory().numTensors;
    const cmp = await compareFusedMetaTrain(opts);
    expect(cmp.epochs[0]).toBe(cmp.epochs[1]);
    expect(cmp.metaLoss).toBeLessThan(TOL);
    expect(cmp.metaParams).toBeLessThan(TOL);
    expect(cmp.moved).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi0);
  });
});

describe('LSTM+GAC fused inference against the tfjs updates', () => {
  for (const averaging of ['all', 'per-tensor'] as const) {
    for (const threads of [1, 2] as const) {
      it(`averaging '${averaging}', ${threads} thread(s): 6 steps of updates and state agree; no tensors leak`, () => {
        const cfg = gacOptimizer({ hiddenSizes: [7, 5, 6], globalCells: [3, 5, 0], averaging }).config;
        const learned = gacOptimizer(cfg);
        const phi = learned.initMetaParams(Rng.seeded(21));
        const rng = Rng.seeded(22);
        const prob = problem(rng.fork());
        const ref = learned.withMetaParams(phi);
        const fast = fusedAveragingInferenceOptimizer(lstmPartOf(cfg), phi, gacRowAveraging(cfg), { threads });
        let sRef = randomGacState(rng.fork(), cfg, averagingSegments(prob.theta, averaging));
        let sFast = tf.tidy(() => ({ h: sRef.h.map((t) => t.clone()), c: sRef.c.map((t) => t.clone()) }));
        const before = tf.memory().numTensors;
        let worst = 0;
        for (let t = 0; t < 6; t++) {
          const grads = tf.tidy(() => {
            const g = prob.grad(prob.theta);
            return Object.fromEntries(Object.entries(g).map(([k, v]) => [k, tf.mul(v, 10 ** (t - 3))]));
          });
          const a = ref.update(grads, sRef, prob.theta);
          const b = fast.update(grads, sFast, prob.theta);
          worst = Math.max(worst, mapErr(b.updates, a.updates));
          a.state.h.forEach((h, l) => {
            worst = Math.max(worst, relErr(b.state.h[l]!, h), relErr(b.state.c[l]!, a.state.c[l]!));
          });
          tf.dispose([sRef, sFast] as tf.TensorContainer[]);
          sRef = a.state;
          sFast = b.state;
          for (const m of [a.updates, b.updates, grads]) disposeMap(m);
        }
        expect(tf.memory().numTensors).toBe(before);
        expect(worst).toBeLessThan(TOL);
        tf.dispose([sRef, sFast] as tf.TensorContainer[]);
        disposeMap(prob.theta);
        disposeMap(phi);
        prob.dispose();
      });
    }
  }

  for (const preprocessing of ['log-sign', 'log-sign-moments'] as const)
    it(`gacOptimizer's inferenceOptimizer is the fused one and gives the tfjs updates (${preprocessing} inputs)`, () => {
      const learned = gacOptimizer({
        hiddenSizes: [6, 6],
        globalCells: [2, 3],
        averaging: 'per-tensor',
        preprocessing,
      });
      expect(learned.inferenceOptimizer).toBeDefined();
      const phi = learned.initMetaParams(Rng.seeded(5));
      const prob = problem(Rng.seeded(6));
      const fast = learned.inferenceOptimizer!(phi);
      const ref = learned.withMetaParams(phi);
      const grads = prob.grad(prob.theta);
      const s1 = fast.init(prob.theta);
      const s2 = ref.init(prob.theta);
      const a = fast.update(grads, s1, prob.theta);
      const b = ref.update(grads, s2, prob.theta);
      expect(mapErr(a.updates, b.updates)).toBeLessThan(TOL);
      const a2 = fast.update(grads, a.state, prob.theta);
      const b2 = ref.update(grads, b.state, prob.theta);
      expect(mapErr(a2.updates, b2.updates)).toBeLessThan(TOL);
      tf.dispose([s1, s2, a.state, b.state, a2.state, b2.state] as tf.TensorContainer[]);
      for (const m of [a.updates, b.updates, a2.updates, b2.updates, grads, prob.theta, phi]) disposeMap(m);
      prob.dispose();
    });

  it('rejects averaging columns that do not fit the layers, naming the field', () => {
    const cfg = gacOptimizer({ hiddenSizes: [4, 4] }).config;
    const phi = gacOptimizer(cfg).initMetaParams(Rng.seeded(1));
    expect(() =>
      fusedAveragingInferenceOptimizer(lstmPartOf(cfg), phi, {
        columns: [5, 0],
        groups: (g) => [Object.keys(g).length],
      }),
    ).toThrow(/averaging columns must be 2 integers, entry l in \[0, hiddenSizes\[l\]\]/);
    disposeMap(phi);
  });
});
