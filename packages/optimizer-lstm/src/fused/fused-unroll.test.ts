import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { addMaps, unrollMetaGradient } from '@l2o/core/extend';
import { relativeError, wideScaleSinProblem } from '@l2o/core/testing';
import { lstmOptimizer, type LstmState } from '../lstm-optimizer.js';
import type { LstmConfig } from '../config.js';
import { beginFusedAveragingUnroll, beginFusedLstmUnroll, withFusedLstmUnroll } from './fused-unroll.js';

/** A small smooth problem with gradients spanning several orders of magnitude (both preprocessing branches). */
const problem = (rng: Rng) => wideScaleSinProblem(rng, { a: [3, 4], b: [7] }, [-14, 1]);
const relErr = relativeError;

/**
 * Two consecutive unrolls (the second from the first's final state) on both paths: the tfjs optimizer and core's
 * `unrollMetaGradient` (the reference), and the fused kernel. Returns the worst relative differences.
 */
function compareUnrolls(
  config: Partial<LstmConfig>,
  seed: number,
  K: number,
): { update: number; state: number; meta: number; smallGrads: number } {
  const learned = lstmOptimizer(config);
  const rng = Rng.seeded(seed);
  const phi = learned.initMetaParams(rng.fork());
  const prob = problem(rng.fork());
  const opt = learned.withMetaParams(phi);
  let theta = prob.theta;
  let state: LstmState = opt.init(theta);
  let grads = prob.grad(theta);
  const worst = { update: 0, state: 0, meta: 0, smallGrads: 0 };
  const threshold = Math.exp(-learned.config.p);
  const weights = Array.from({ length: K }, (_, i) => 1 + 0.5 * i);
  for (let u = 0; u < 2; u++) {
    const thetaStart = theta;
    const stateStart = state;
    const fused = beginFusedLstmUnroll(learned.config, phi, stateStart);
    const seq: TensorMap[] = [grads];
    for (const t of Object.values(grads)) for (const v of t.dataSync()) if (Math.abs(v) < threshold) worst.smallGrads++;
    for (let k = 0; k < K; k++) {
      const ref = opt.update(seq[k]!, state, theta);
      const fast = fused.step(seq[k]!);
      for (const key of Object.keys(ref.updates))
        worst.update = Math.max(worst.update, relErr(fast[key]!, ref.updates[key]!));
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
    for (let l = 0; l < state.h.length; l++) {
      worst.state = Math.max(worst.state, relErr(fState.h[l]!, state.h[l]!), relErr(fState.c[l]!, state.c[l]!));
    }
    expect(fState.stats === undefined).toBe(state.stats === undefined);
    if (state.stats) worst.state = Math.max(worst.state, relErr(fState.stats!, state.stats));
    tf.dispose(fState);
    const refMeta = unrollMetaGradient(learned, phi, thetaStart, stateStart, seq, weights);
    const fastMeta = fused.metaGradient(seq, weights);
    for (const key of Object.keys(phi)) worst.meta = Math.max(worst.meta, relErr(fastMeta[key]!, refMeta[key]!));
    fused.dispose();
    disposeMap(refMeta);
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

describe('fused LSTM unroll against the tfjs optimizer and core unrollMetaGradient', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });
  afterAll(() => {
    tf.disposeVariables();
  });

  it('paper config: updates, carried state and meta-gradients agree (two unrolls, nonzero start state)', () => {
    const before = tf.memory().numTensors;
    const worst = compareUnrolls({}, 7, 5);
    console.log('paper config, worst relative differences:', worst);
    expect(worst.smallGrads).toBeGreaterThan(0); // both branches of the log/sign preprocessing are exercised
    expect(worst.update).toBeLessThan(1e-4);
    expect(worst.state).toBeLessThan(1e-4);
    expect(worst.meta).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('odd hidden sizes [3, 6] with no preprocessing and output scale 1', () => {
    const worst = compareUnrolls({ hiddenSizes: [3, 6], preprocessing: 'none', outputScale: 1 }, 8, 4);
    expect(worst.update).toBeLessThan(1e-4);
    expect(worst.state).toBeLessThan(1e-4);
    expect(worst.meta).toBeLessThan(1e-4);
  });

  it("'log-sign-moments' inputs: the running statistics carry across unrolls and add no term to dφ", () => {
    const before = tf.memory().numTensors;
    const worst = compareUnrolls({ preprocessing: 'log-sign-moments', hiddenSizes: [6, 5] }, 10, 4);
    expect(worst.update).toBeLessThan(1e-4);
    expect(worst.state).toBeLessThan(1e-4);
    expect(worst.meta).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('withFusedLstmUnroll keeps the optimizer and adds beginFusedUnroll; errors name the field', () => {
    const learned = withFusedLstmUnroll(lstmOptimizer({ hiddenSizes: [4] }));
    expect(learned.kind).toBe('lstm');
    expect(learned.config.hiddenSizes).toEqual([4]);
    const phi = learned.initMetaParams(Rng.seeded(1));
    const opt = learned.withMetaParams(phi);
    const theta = { w: tf.zeros([5]) };
    const state = opt.init(theta);
    const u = learned.beginFusedUnroll(phi, state)!;
    expect(u).toBeDefined();
    expect(() => u.step({ w: tf.zeros([6]) })).toThrow(/hold 6 coordinates; the state was made for 5/);
    expect(() => u.metaGradient([], [])).toThrow(/needs 1 gradients/);
    u.dispose();
    expect(() => u.state()).toThrow(/after dispose/);
    const bad = { ...phi, 'output/b': tf.zeros([2]) };
    expect(() => learned.beginFusedUnroll(bad, state)).toThrow(/"output\/b" has shape \[2\]/);
    tf.dispose([phi, theta, state, bad['output/b']] as tf.TensorContainer[]);
  });
});

describe('fused LSTM unroll on the cpu backend', () => {
  beforeAll(async () => {
    await initEngine('cpu');
  });

  it('agrees with the tfjs path there too (tensors cross by dataSync; no aliasing of kernel memory)', () => {
    expect(tf.getBackend()).toBe('cpu');
    const before = tf.memory().numTensors;
    const worst = compareUnrolls({ hiddenSizes: [6, 5] }, 9, 3);
    expect(worst.update).toBeLessThan(1e-4);
    expect(worst.state).toBeLessThan(1e-4);
    expect(worst.meta).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('fused unroll with row averaging (the hook LSTM+GAC uses)', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('groups of one row average nothing: the layer-by-layer path gives the LSTM unroll (updates bit for bit, dφ to float32 rounding; 1 and 2 threads)', async () => {
    await import('../index-node.js'); // worker_threads helpers for threads: 2
    const config = lstmOptimizer({ hiddenSizes: [6, 5] }).config;
    const learned = lstmOptimizer(config);
    const phi = learned.initMetaParams(Rng.seeded(3));
    const prob = problem(Rng.seeded(4));
    const n = 19;
    const before = tf.memory().numTensors;
    for (const threads of [1, 2] as const) {
      const state = learned.withMetaParams(phi).init(prob.theta);
      const plain = beginFusedLstmUnroll(config, phi, state, { threads });
      const layered = beginFusedAveragingUnroll(
        config,
        phi,
        state,
        { columns: [6, 5], groups: () => Array.from({ length: n }, () => 1) },
        { threads },
      );
      let theta = prob.theta;
      const seq: TensorMap[] = [prob.grad(theta)];
      for (let k = 0; k < 3; k++) {
        const a = plain.step(seq[k]!);
        const b = layered.step(seq[k]!);
        for (const key of Object.keys(a))
          expect(Array.from(b[key]!.dataSync())).toEqual(Array.from(a[key]!.dataSync()));
        const next = addMaps(theta, a);
        if (theta !== prob.theta) disposeMap(theta);
        theta = next;
        disposeMap(a);
        disposeMap(b);
        seq.push(prob.grad(theta));
      }
      const w = [1, 2, 3];
      const da = plain.metaGradient(seq, w);
      const db = layered.metaGradient(seq, w);
      // The plain unroll's backward adds its rows up in chunks (l2o_backward_shared), the layered one per thread:
      // the same sums in another order.
      for (const key of Object.keys(da)) {
        const x = da[key]!.dataSync();
        const y = db[key]!.dataSync();
        const scale = Math.max(...Array.from(x, Math.abs));
        expect(scale).toBeGreaterThan(0);
        x.forEach((v, i) => expect(Math.abs(y[i]! - v), key).toBeLessThanOrEqual(2e-6 * scale));
      }
      plain.dispose();
      layered.dispose();
      for (const m of [da, db, theta, ...seq]) disposeMap(m);
      tf.dispose(state);
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(prob.theta);
    disposeMap(phi);
    prob.dispose();
  });
});
