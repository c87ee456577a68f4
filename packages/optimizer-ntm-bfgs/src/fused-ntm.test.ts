import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { addMaps, unrollMetaGradient } from '@l2o/core/extend';
import {
  compareFusedMetaTrain,
  conformanceQuadraticFamily,
  mapRelativeError,
  relativeError,
  wideScaleSinProblem,
} from '@l2o/core/testing';
import { fusedKernelSupported, releaseFusedLstmKernels } from '@l2o/optimizer-lstm';
import { registerNodeKernelThreads } from '@l2o/optimizer-lstm/node';
import type { NtmBfgsConfig } from './config.js';
import { HEADS_W, headCount } from './controller-params.js';
import { beginFusedNtmUnroll } from './fused-ntm.js';
import { ntmBfgsOptimizer, type NtmBfgsState } from './ntm-bfgs-optimizer.js';

beforeAll(async () => {
  await initEngine('wasm');
  registerNodeKernelThreads();
});
afterAll(() => releaseFusedLstmKernels());

/** 15 + 7 + 4 = 26 coordinates in three tensors (three 'per-tensor' groups). */
const SHAPES: Record<string, number[]> = { a: [3, 5], b: [7], c: [2, 2] };

const problem = (rng: Rng) => wideScaleSinProblem(rng, SHAPES);
const relErr = relativeError;
const mapErr = mapRelativeError;

function stateErr(a: NtmBfgsState, b: NtmBfgsState): number {
  let w = Math.max(relErr(a.read, b.read));
  const am = a.memory as { a: tf.Tensor; b: tf.Tensor };
  const bm = b.memory as { a: tf.Tensor; b: tf.Tensor };
  w = Math.max(w, relErr(am.a, bm.a), relErr(am.b, bm.b));
  b.controller.h.forEach((h, l) => {
    w = Math.max(w, relErr(a.controller.h[l]!, h), relErr(a.controller.c[l]!, b.controller.c[l]!));
  });
  expect(a.controller.stats === undefined).toBe(b.controller.stats === undefined);
  if (b.controller.stats) w = Math.max(w, relErr(a.controller.stats!, b.controller.stats));
  return w;
}

/** Per column of heads/w [H, R + 2W]: max |a − b| / max |b| of that column (the write heads' columns included). */
function headColumnErr(a: TensorMap, b: TensorMap, heads: number): number {
  const x = a[HEADS_W]!.dataSync();
  const y = b[HEADS_W]!.dataSync();
  let worst = 0;
  for (let c = 0; c < heads; c++) {
    let num = 0;
    let den = 0;
    for (let i = c; i < y.length; i += heads) {
      num = Math.max(num, Math.abs(x[i]! - y[i]!));
      den = Math.max(den, Math.abs(y[i]!));
    }
    expect(den).toBeGreaterThan(0);
    worst = Math.max(worst, num / den);
  }
  return worst;
}

interface Worst {
  update: number;
  state: number;
  meta: number;
  headColumns: number;
}

/**
 * A nonzero start (3 tape steps from zero), then two consecutive unrolls of K steps: the fused unroll against the
 * tfjs optimizer (updates, carried state) and core's `unrollMetaGradient` on the tape (dφ).
 */
function compareUnrolls(config: Partial<NtmBfgsConfig>, seed: number, K: number, threads: 1 | 2): Worst {
  const learned = ntmBfgsOptimizer(config);
  const cfg = learned.config;
  const rng = Rng.seeded(seed);
  const phi = learned.initMetaParams(rng.fork());
  const prob = problem(rng.fork());
  const opt = learned.withMetaParams(phi);
  let theta = prob.theta;
  let state = opt.init(theta);
  for (let t = 0; t < 3; t++) {
    const g = prob.grad(theta);
    const r = opt.update(g, state, theta);
    const next = addMaps(theta, r.updates);
    tf.dispose(state);
    disposeMap(r.updates);
    disposeMap(g);
    disposeMap(theta);
    theta = next;
    state = r.state;
  }
  let grads = prob.grad(theta);
  const worst: Worst = { update: 0, state: 0, meta: 0, headColumns: 0 };
  const weights = Array.from({ length: K }, (_, i) => 1 + 0.5 * i);
  for (let u = 0; u < 2; u++) {
    const thetaStart = theta;
    const stateStart = state;
    const fused = beginFusedNtmUnroll(cfg, phi, stateStart, { threads });
    const seq: TensorMap[] = [grads];
    for (let k = 0; k < K; k++) {
      const ref = opt.update(seq[k]!, state, theta);
      const fast = fused.step(seq[k]!);
      worst.update = Math.max(worst.update, mapErr(fast, ref.updates));
      const next = addMaps(theta, ref.updates);
      disposeMap(fast);
      disposeMap(ref.updates);
      if (theta !== thetaStart) disposeMap(theta);
      if (state !== stateStart) tf.dispose(state);
      theta = next;
      state = ref.state;
      seq.push(prob.grad(theta));
    }
    const fState = fused.state();
    worst.state = Math.max(worst.state, stateErr(fState, state));
    tf.dispose(fState);
    const refMeta = unrollMetaGradient(learned, phi, thetaStart, stateStart, seq, weights);
    const fastMeta = fused.metaGradient(seq, weights);
    worst.meta = Math.max(worst.meta, mapErr(fastMeta, refMeta));
    worst.headColumns = Math.max(worst.headColumns, headColumnErr(fastMeta, refMeta, headCount(cfg)));
    fused.dispose();
    disposeMap(refMeta);
    disposeMap(fastMeta);
    disposeMap(thetaStart);
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

const TOL = 2e-4;

describe('NTM-L-BFGS fused unroll against the tfjs tape', () => {
  it('the kernel is available here (otherwise every comparison below would test the fallback)', () => {
    expect(fusedKernelSupported()).toBe(true);
  });

  const cases: Array<[string, Partial<NtmBfgsConfig>, number, 1 | 2]> = [
    [
      'moment inputs, per-tensor averaging, 2 reads / 2 writes, a window of 6 that forgets within the unroll, 2 threads',
      {
        hiddenSizes: [6, 5],
        globalCells: [2, 1],
        averaging: 'per-tensor',
        preprocessing: 'log-sign-moments',
        readHeads: 2,
        writeHeads: 2,
        window: 6,
        memoryInit: 0.7,
        outputScale: 0.3,
      },
      5,
      2,
    ],
    ['the defaults (2×20, 5 + 5 global cells, K = 30, 1 read / 3 writes), log-sign, 1 thread', {}, 4, 1],
    [
      'no write heads (M = m₀ I throughout), 1 thread',
      { hiddenSizes: [5], globalCells: [2], writeHeads: 0, memoryInit: 1.5, outputScale: 0.5 },
      4,
      1,
    ],
  ];
  for (const [title, config, K, threads] of cases) {
    it(`${title}: updates, state and dφ agree`, () => {
      const before = tf.memory().numTensors;
      const worst = compareUnrolls(config, 7 + K, K, threads);
      console.log(`ntm fused unroll (${title.slice(0, 40)}…), worst relative differences:`, worst);
      expect(worst.update).toBeLessThan(TOL);
      expect(worst.state).toBeLessThan(TOL);
      expect(worst.meta).toBeLessThan(TOL);
      expect(worst.headColumns).toBeLessThan(TOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the fused inference optimizer gives the tfjs updates and state over 6 steps; no tensors leak', () => {
    const learned = ntmBfgsOptimizer({ hiddenSizes: [6, 6], preprocessing: 'log-sign-moments', window: 9 });
    expect(learned.inferenceOptimizer).toBeDefined();
    const phi = learned.initMetaParams(Rng.seeded(31));
    const prob = problem(Rng.seeded(32));
    const fast = learned.inferenceOptimizer!(phi);
    const ref = learned.withMetaParams(phi);
    let sFast = fast.init(prob.theta);
    let sRef = ref.init(prob.theta);
    const before = tf.memory().numTensors;
    let worst = 0;
    for (let t = 0; t < 6; t++) {
      const grads = prob.grad(prob.theta);
      const a = fast.update(grads, sFast, prob.theta);
      const b = ref.update(grads, sRef, prob.theta);
      worst = Math.max(worst, mapErr(a.updates, b.updates), stateErr(a.state, b.state));
      tf.dispose([sFast, sRef] as tf.TensorContainer[]);
      sFast = a.state;
      sRef = b.state;
      for (const m of [a.updates, b.updates, grads]) disposeMap(m);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(worst).toBeLessThan(TOL);
    tf.dispose([sFast, sRef] as tf.TensorContainer[]);
    disposeMap(prob.theta);
    disposeMap(phi);
    prob.dispose();
  });

  it('metaTrain (bptt) through the fused unroll matches the generic path (history and φ)', async () => {
    const learned = ntmBfgsOptimizer({ hiddenSizes: [5, 5], globalCells: [1, 1], window: 6 });
    expect(learned.beginFusedUnroll).toBeDefined();
    const phi0 = learned.initMetaParams(Rng.seeded(1));
    const opts = {
      learned,
      family: conformanceQuadraticFamily(),
      epochs: 4,
      horizon: 12,
      unroll: 4,
      seed: 4,
      metaLearningRate: 0.01,
      validateEvery: 2,
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
