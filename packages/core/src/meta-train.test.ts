import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import type { MetaTrainOptions, MetaTrainProgress, MetaTrainResult } from './meta-train.js';
import { metaTrain } from './node.js';
import { conformanceQuadraticFamily } from './testing.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned, type TinyState } from './test-fixtures.js';
import type { LearnedOptimizer, Optimizee, OptimizeeFamily, Optimizer, TensorMap } from './types.js';

/** Plain SGD on φ, to check that `metaOptimizer` is used and that the meta-gradient scales with the weights. */
function sgd(lr: number): Optimizer<Record<string, never>> {
  return {
    name: `sgd(${lr})`,
    init: () => ({}),
    update: (grads) =>
      tf.tidy(() => ({
        updates: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, -lr)])),
        state: {},
      })),
  };
}

function bits(map: TensorMap): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const k of Object.keys(map).sort()) {
    const d = map[k]!.dataSync() as Float32Array;
    out[k] = Array.from(new Uint32Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength)));
  }
  return out;
}

function values(map: TensorMap): Record<string, number> {
  return Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((k) => [k, map[k]!.dataSync()[0]!]),
  );
}

function disposeResult(r: MetaTrainResult): void {
  disposeMap(r.metaParams);
  disposeMap(r.lastMetaParams);
}

/** History with non-finite numbers spelled out, so `toEqual` distinguishes NaN from null/undefined. */
function historyKey(r: MetaTrainResult): string {
  return JSON.stringify(r.history, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `#${v}` : v));
}

const small = (over: Partial<MetaTrainOptions<null, TinyState>> = {}): MetaTrainOptions<null, TinyState> => ({
  learned: tinyLearned(),
  family: conformanceQuadraticFamily(),
  epochs: 6,
  horizon: 10,
  unroll: 5,
  seed: 7,
  metaLearningRate: 0.02,
  validateEvery: 3,
  validationProblems: 2,
  ...over,
});

let dir: string;
beforeAll(async () => {
  await initEngine('wasm');
  dir = mkdtempSync(join(tmpdir(), 'l2o-meta-train-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('metaTrain', () => {
  it('lowers the validation score and returns the φ of the best epoch', async () => {
    const validations = new Map<number, number>();
    const opts = small({ epochs: 30, horizon: 20, unroll: 5, validateEvery: 5, validationProblems: 4, seed: 3 });
    const res = await metaTrain({
      ...opts,
      onProgress: (e) => {
        if (e.kind === 'validation') validations.set(e.epoch, e.validation!);
      },
    });
    const v0 = validations.get(0)!;
    expect(Number.isFinite(v0)).toBe(true);
    expect(res.bestEpoch).toBeGreaterThan(0);
    expect(res.bestValidation).toBeLessThan(0.8 * v0);
    expect(res.epochsDone).toBe(30);
    expect(res.stopped).toBe(false);
    // The history records every epoch, validation exactly every 5, and the best is its minimum.
    expect(res.history.map((h) => h.epoch)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const validated = res.history.filter((h) => h.validation !== undefined);
    expect(validated.map((h) => h.epoch)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(Math.min(v0, ...validated.map((h) => h.validation!))).toBe(res.bestValidation);
    expect(res.history[res.bestEpoch - 1]!.validation).toBe(res.bestValidation);
    // φ at bestEpoch: a run of exactly bestEpoch epochs (same seed) ends there.
    const prefix = await metaTrain({ ...opts, epochs: res.bestEpoch });
    expect(bits(res.metaParams)).toEqual(bits(prefix.lastMetaParams));
    if (res.bestEpoch < 30) expect(bits(res.metaParams)).not.toEqual(bits(res.lastMetaParams));
    disposeResult(prefix);
    disposeResult(res);
  });

  it('is deterministic: same seed → bitwise the same φ and history; another seed → different', async () => {
    const a = await metaTrain(small({ seed: 5 }));
    const b = await metaTrain(small({ seed: 5 }));
    const c = await metaTrain(small({ seed: 6 }));
    expect(bits(a.lastMetaParams)).toEqual(bits(b.lastMetaParams));
    expect(bits(a.metaParams)).toEqual(bits(b.metaParams));
    expect(historyKey(a)).toBe(historyKey(b));
    expect(a.bestEpoch).toBe(b.bestEpoch);
    expect(bits(a.lastMetaParams)).not.toEqual(bits(c.lastMetaParams));
    expect(historyKey(a)).not.toBe(historyKey(c));
    [a, b, c].forEach(disposeResult);
  });

  for (const [stopAfter, label] of [
    [3, 'at a validation epoch'],
    [4, 'between validations'],
  ] as const) {
    it(`resumes bitwise-identically after a stop ${label} (epoch ${stopAfter})`, async () => {
      const opts = small({ epochs: 7, seed: 21 });
      const full = await metaTrain(opts);
      const path = join(dir, `resume-${stopAfter}.l2ock`);
      const ctl = new AbortController();
      const first = await metaTrain({
        ...opts,
        checkpointPath: path,
        resume: true,
        signal: ctl.signal,
        onProgress: (e) => {
          if (e.kind === 'epoch' && e.epoch === stopAfter) ctl.abort();
        },
      });
      expect(first.stopped).toBe(true);
      expect(first.epochsDone).toBe(stopAfter);
      disposeResult(first);
      const events: MetaTrainProgress[] = [];
      const second = await metaTrain({
        ...opts,
        checkpointPath: path,
        resume: true,
        onProgress: (e) => events.push(e),
      });
      expect(events[0]).toMatchObject({ kind: 'resumed', epoch: stopAfter });
      expect(events.filter((e) => e.kind === 'epoch').map((e) => e.epoch)).toEqual(
        Array.from({ length: 7 - stopAfter }, (_, i) => stopAfter + 1 + i),
      );
      expect(second.stopped).toBe(false);
      expect(second.epochsDone).toBe(7);
      expect(bits(second.metaParams)).toEqual(bits(full.metaParams));
      expect(bits(second.lastMetaParams)).toEqual(bits(full.lastMetaParams));
      expect(historyKey(second)).toBe(historyKey(full));
      expect(second.bestEpoch).toBe(full.bestEpoch);
      expect(second.bestValidation).toBe(full.bestValidation);
      disposeResult(second);
      disposeResult(full);
    });
  }

  it('cosine meta-learning-rate schedule: differs from constant, equals constant with floor 1, resumes exactly', async () => {
    const constant = await metaTrain(small({ seed: 9 }));
    const cosine = await metaTrain({
      ...small({ seed: 9 }),
      metaLearningRateSchedule: 'cosine',
      metaLearningRateFloor: 0.1,
    });
    const flat = await metaTrain({
      ...small({ seed: 9 }),
      metaLearningRateSchedule: 'cosine',
      metaLearningRateFloor: 1,
    });
    expect(bits(cosine.lastMetaParams)).not.toEqual(bits(constant.lastMetaParams));
    expect(bits(flat.lastMetaParams)).toEqual(bits(constant.lastMetaParams));
    const dir = mkdtempSync(join(tmpdir(), 'l2o-cosine-'));
    const path = join(dir, 'ck.l2ock');
    const controller = new AbortController();
    const opts = { ...small({ seed: 9 }), metaLearningRateSchedule: 'cosine' as const, checkpointPath: path };
    const first = await metaTrain({
      ...opts,
      signal: controller.signal,
      onProgress: (e) => {
        if (e.kind === 'epoch' && e.epoch === 3) controller.abort();
      },
    });
    const second = await metaTrain({ ...opts, resume: true });
    expect(bits(second.lastMetaParams)).toEqual(bits(cosine.lastMetaParams));
    await expect(metaTrain({ ...small({ seed: 9 }), metaLearningRateSchedule: 'linear' as 'cosine' })).rejects.toThrow(
      /allowed values: constant, cosine/,
    );
    for (const r of [constant, cosine, flat, first, second]) disposeResult(r);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to resume a checkpoint of a run with different settings, naming the setting', async () => {
    const path = join(dir, 'refuse.l2ock');
    const r = await metaTrain(small({ epochs: 1, validateEvery: 1, checkpointPath: path }));
    disposeResult(r);
    await expect(metaTrain(small({ horizon: 20, checkpointPath: path, resume: true }))).rejects.toThrow(
      /different run.*horizon/,
    );
    await expect(metaTrain(small({ seed: 8, checkpointPath: path, resume: true }))).rejects.toThrow(
      /different run.*seed/,
    );
    await expect(
      metaTrain(small({ lossWeights: new Array<number>(10).fill(2), checkpointPath: path, resume: true })),
    ).rejects.toThrow(/different run.*lossWeights/);
    await expect(metaTrain(small({ metaLearningRate: 0.5, checkpointPath: path, resume: true }))).rejects.toThrow(
      /different run.*metaOptimizer/,
    );
    await expect(metaTrain(small({ runInfo: { dataset: 'x' }, checkpointPath: path, resume: true }))).rejects.toThrow(
      /different run.*dataset/,
    );
  });

  it('leaks no tensors over a whole run, including a checkpointed stop and resume', async () => {
    // Warm up kernels/backend-owned tensors first.
    disposeResult(await metaTrain(small({ epochs: 1, validateEvery: 1 })));
    const before = tf.memory().numTensors;
    disposeResult(await metaTrain(small()));
    expect(tf.memory().numTensors).toBe(before);
    const path = join(dir, 'leak.l2ock');
    const ctl = new AbortController();
    const onProgress = (e: MetaTrainProgress): void => {
      if (e.kind === 'epoch' && e.epoch === 2) ctl.abort();
    };
    disposeResult(await metaTrain(small({ checkpointPath: path, resume: true, signal: ctl.signal, onProgress })));
    expect(tf.memory().numTensors).toBe(before);
    disposeResult(await metaTrain(small({ checkpointPath: path, resume: true })));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not take ownership of initialMetaParams', async () => {
    const init = { a: tf.scalar(0.1), b: tf.scalar(0.4), c: tf.scalar(0), d: tf.scalar(0.3) };
    const r = await metaTrain(small({ epochs: 2, initialMetaParams: init }));
    expect(values(init)).toEqual({ a: Math.fround(0.1), b: Math.fround(0.4), c: 0, d: Math.fround(0.3) });
    disposeResult(r);
    disposeMap(init);
  });

  it('copes with an optimizer that hands a state tensor through unchanged', async () => {
    type PassState = { m: TinyState; scale: tf.Tensor };
    const inner = tinyLearned();
    const passThrough: LearnedOptimizer<PassState> = {
      name: inner.name,
      config: inner.config,
      initMetaParams: (rng) => inner.initMetaParams(rng),
      kind: 'pass-through',
      withMetaParams(phi) {
        const opt = inner.withMetaParams(phi);
        return {
          name: 'pass-through',
          init: (params) => ({ m: opt.init(params), scale: tf.scalar(1) }),
          update: (grads, state, params) => {
            const s = opt.update(grads, state.m, params);
            const updates = tf.tidy(() =>
              Object.fromEntries(Object.entries(s.updates).map(([k, u]) => [k, tf.mul(u, state.scale)])),
            );
            disposeMap(s.updates);
            return { updates, state: { m: s.state, scale: state.scale } };
          },
        };
      },
    };
    const reference = await metaTrain(small({ epochs: 2 }));
    const before = tf.memory().numTensors;
    const r = await metaTrain({ ...small({ epochs: 2 }), learned: passThrough });
    expect(bits(r.lastMetaParams)).toEqual(bits(reference.lastMetaParams));
    disposeResult(r);
    expect(tf.memory().numTensors).toBe(before);
    disposeResult(reference);
  });

  it("metaLearningRateScale multiplies the named tensors' meta-updates (SGD on φ: exactly ×3 after one meta-step)", async () => {
    const one = { epochs: 1, metaStepsPerEpoch: 1, validateEvery: 1, metaOptimizer: sgd(0.05) };
    const start = values(tinyLearned().initMetaParams(undefined as never));
    const plain = await metaTrain(small(one));
    const scaled = await metaTrain(small({ ...one, metaLearningRateScale: { b: 3 } }));
    const p = values(plain.lastMetaParams);
    const q = values(scaled.lastMetaParams);
    for (const k of Object.keys(start)) {
      const expected = (k === 'b' ? 3 : 1) * (p[k]! - start[k]!);
      expect(Math.abs(p[k]! - start[k]!)).toBeGreaterThan(1e-6);
      expect(q[k]! - start[k]!).toBeCloseTo(expected, 6);
    }
    await expect(metaTrain(small({ metaLearningRateScale: { logLr0: 3 } }))).rejects.toThrow(
      /metaLearningRateScale: no tensor of φ is named logLr0; φ has a, b, c, d/,
    );
    await expect(metaTrain(small({ metaLearningRateScale: { b: 0 } }))).rejects.toThrow(
      /metaLearningRateScale\.b: must be a finite number > 0/,
    );
    for (const r of [plain, scaled]) disposeResult(r);
  });

  it('rejects bad options with an error naming the field', async () => {
    await expect(metaTrain(small({ epochs: 0 }))).rejects.toThrow(/epochs/);
    await expect(metaTrain(small({ epochs: 2.5 }))).rejects.toThrow(/epochs/);
    await expect(metaTrain(small({ horizon: 10, unroll: 3 }))).rejects.toThrow(/unroll.*divide/);
    await expect(metaTrain(small({ unroll: 0 }))).rejects.toThrow(/unroll/);
    await expect(metaTrain(small({ lossWeights: [1, 1, 1] }))).rejects.toThrow(/lossWeights.*10/);
    await expect(metaTrain(small({ lossWeights: [1, 1, 1, 1, 1, 1, 1, 1, 1, NaN] }))).rejects.toThrow(/lossWeights/);
    await expect(metaTrain(small({ validationMetric: 'median' as 'mean' }))).rejects.toThrow(
      /validationMetric.*mean, final/,
    );
    await expect(metaTrain(small({ validateEvery: -1 }))).rejects.toThrow(/validateEvery/);
    await expect(metaTrain(small({ validationProblems: 0 }))).rejects.toThrow(/validationProblems/);
    await expect(metaTrain(small({ seed: NaN }))).rejects.toThrow(/seed/);
    await expect(metaTrain(small({ seed: 1.5 }))).rejects.toThrow(/seed/);
  });

  it('skips and counts unrolls whose meta-gradient is not finite, without poisoning φ (and resumes them exactly)', async () => {
    // The 8th minibatch of every problem (the one for f(θ_7)) makes the loss NaN, so ∇_7 and everything after
    // it are NaN: with T = 20, K = 5 the unroll of steps 5–10 and the two after it are skipped, the first is not.
    const base = conformanceQuadraticFamily();
    const family: OptimizeeFamily<tf.Scalar> = {
      name: 'nan-at-step-7',
      sample(rng) {
        const inner = base.sample(rng);
        let calls = 0;
        const task: Optimizee<tf.Scalar> = {
          name: 'nan-at-step-7',
          init: (r) => inner.init(r),
          sampleBatch: () => tf.scalar(++calls === 8 ? NaN : 1),
          loss: (p, scale) => tf.tidy(() => tf.mul(inner.loss(p, null), scale)) as tf.Scalar,
          dispose: () => inner.dispose?.(),
        };
        return task;
      },
    };
    const opts: MetaTrainOptions<tf.Scalar, TinyState> = {
      learned: tinyLearned(),
      family,
      validationFamily: base as unknown as OptimizeeFamily<tf.Scalar>,
      epochs: 4,
      horizon: 20,
      unroll: 5,
      seed: 2,
      metaLearningRate: 0.02,
      validateEvery: 2,
      validationProblems: 2,
    };
    const skippedSeen: number[] = [];
    const res = await metaTrain({
      ...opts,
      onProgress: (e) => e.kind === 'epoch' && skippedSeen.push(e.skippedUnrolls),
    });
    expect(res.skippedUnrolls).toBe(3 * 4);
    expect(skippedSeen).toEqual([3, 6, 9, 12]);
    const last = values(res.lastMetaParams);
    for (const v of Object.values(last)) expect(Number.isFinite(v)).toBe(true);
    // The finite unroll of every epoch still moved φ (Adam's first step moves every coordinate by ≈ lr).
    expect(Math.abs(last['a']! - 0.05)).toBeGreaterThan(0.03);
    expect(res.history.every((h) => Number.isNaN(h.metaLoss))).toBe(true);
    expect(res.history.filter((h) => h.validation !== undefined).every((h) => Number.isFinite(h.validation))).toBe(
      true,
    );

    // The same run stopped after epoch 1 and resumed: the NaN meta-losses survive the checkpoint.
    const path = join(dir, 'nan.l2ock');
    const ctl = new AbortController();
    disposeResult(
      await metaTrain({
        ...opts,
        checkpointPath: path,
        signal: ctl.signal,
        onProgress: (e) => e.kind === 'epoch' && e.epoch === 1 && ctl.abort(),
      }),
    );
    const resumed = await metaTrain({ ...opts, checkpointPath: path, resume: true });
    expect(resumed.skippedUnrolls).toBe(12);
    expect(historyKey(resumed)).toBe(historyKey(res));
    expect(bits(resumed.lastMetaParams)).toEqual(bits(res.lastMetaParams));
    disposeResult(resumed);
    disposeResult(res);
  });

  it('lossWeights: all zero → zero meta-gradient, φ stays exactly the same under Adam', async () => {
    const init = tinyLearned().initMetaParams(undefined as never);
    const r = await metaTrain(small({ lossWeights: new Array<number>(10).fill(0), epochs: 3 }));
    expect(bits(r.lastMetaParams)).toEqual(bits(init));
    expect(bits(r.metaParams)).toEqual(bits(init));
    expect(r.skippedUnrolls).toBe(0);
    disposeResult(r);
    disposeMap(init);
  });

  it('lossWeights scale the meta-gradient linearly; weights on other steps change it (custom metaOptimizer)', async () => {
    const one = { epochs: 1, horizon: 5, unroll: 5, validateEvery: 1, metaOptimizer: sgd(0.01) } as const;
    const init = values(tinyLearned().initMetaParams(undefined as never));
    const step = async (w: number[]): Promise<Record<string, number>> => {
      const r = await metaTrain(small({ ...one, lossWeights: w }));
      const v = values(r.lastMetaParams);
      disposeResult(r);
      return Object.fromEntries(Object.keys(v).map((k) => [k, v[k]! - init[k]!]));
    };
    const d1 = await step([1, 0.5, 0, 2, 1]);
    const d2 = await step([2, 1, 0, 4, 2]);
    const dLast = await step([0, 0, 0, 0, 1]);
    for (const k of Object.keys(d1)) {
      expect(Math.abs(d1[k]!)).toBeGreaterThan(1e-5);
      expect(d2[k]!).toBeCloseTo(2 * d1[k]!, 5);
    }
    expect(Math.abs(dLast['a']! - d1['a']!)).toBeGreaterThan(1e-5);
  });
});
