import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint.js';
import { metaTrain, writeCheckpoint } from './node.js';
import { initEngine } from './engine/engine.js';
import { bpttEstimator } from './estimator-bptt.js';
import { newEpisodeSlot, slotProblem, type SlotInfo } from './meta-slot.js';
import type { MetaTrainOptions, MetaTrainResult } from './meta-train.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { nanFromBatchFamily, sgdOnPhi, tinyLearned, type TinyState } from './test-fixtures.js';
import { conformanceQuadraticFamily } from './testing.js';
import type { BatchData, LearnedOptimizer, OptimizeeFamily, TensorMap } from './types.js';

function bits(map: TensorMap): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const k of Object.keys(map).sort()) {
    out[k] = Array.from(new Uint32Array(Float32Array.from(map[k]!.dataSync()).buffer));
  }
  return out;
}
const scalars = (m: TensorMap): Record<string, number> =>
  Object.fromEntries(Object.entries(m).map(([k, t]) => [k, t.dataSync()[0]!]));
const historyKey = (r: MetaTrainResult): string =>
  JSON.stringify(r.history, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `#${v}` : v));
function disposeResult(r: MetaTrainResult): void {
  disposeMap(r.metaParams);
  disposeMap(r.lastMetaParams);
}
const counters = (r: MetaTrainResult) => ({
  metaSteps: r.metaSteps,
  skipped: r.skippedUnrolls,
  dropped: r.droppedGradients,
  resets: r.resetSlots,
  episodes: r.episodes,
});

/** Three slots, horizons drawn log-uniformly in [5, 40] (multiples of K = 5), 4 meta-steps per epoch. */
const multi = (over: Partial<MetaTrainOptions<BatchData, TinyState>> = {}): MetaTrainOptions<BatchData, TinyState> => ({
  learned: tinyLearned(),
  family: conformanceQuadraticFamily(),
  seed: 7,
  metaLearningRate: 0.02,
  validationProblems: 2,
  epochs: 3,
  metaStepsPerEpoch: 4,
  validateEvery: 2,
  unroll: 5,
  horizon: { min: 5, max: 40 },
  tasksPerStep: 3,
  ...over,
});

let dir: string;
beforeAll(async () => {
  await initEngine('wasm');
  dir = mkdtempSync(join(tmpdir(), 'l2o-slots-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('metaTrain with several tasks per meta-step', () => {
  it('averages the slots’ meta-gradients: one step equals the mean of the single-slot estimates', async () => {
    const family = conformanceQuadraticFamily();
    const lr = 0.01;
    const r = await metaTrain({
      learned: tinyLearned(),
      family,
      seed: 4,
      epochs: 1,
      metaStepsPerEpoch: 1,
      horizon: 10,
      unroll: 5,
      tasksPerStep: 3,
      metaOptimizer: sgdOnPhi(lr),
      validationProblems: 1,
    });
    const phi0 = tinyLearned().initMetaParams(Rng.seeded(4, -1));
    const estimator = bpttEstimator({ learned: tinyLearned(), unroll: 5 });
    const singles = [0, 1, 2].map((episode) => {
      const slot = newEpisodeSlot(4, episode, 10);
      const problem = slotProblem(family, slot.info);
      const e = estimator.estimate(phi0, slot, problem);
      const g = scalars(e.metaGradient);
      disposeMap(e.metaGradient);
      tf.dispose(e.slot.tensors!);
      problem.dispose?.();
      return g;
    });
    const moved = scalars(r.lastMetaParams);
    const start = scalars(phi0);
    for (const k of Object.keys(start)) {
      const mean = (singles[0]![k]! + singles[1]![k]! + singles[2]![k]!) / 3;
      expect(Math.abs(singles[0]![k]! - singles[1]![k]!)).toBeGreaterThan(1e-3 * Math.abs(mean));
      const step = moved[k]! - start[k]!;
      expect(Math.abs(step - -lr * mean)).toBeLessThan(1e-5 * Math.abs(lr * mean) + 1e-7);
    }
    expect(r.metaSteps).toBe(1);
    disposeResult(r);
    disposeMap(phi0);
  });

  for (const estimator of ['bptt', 'pes'] as const) {
    it(`resumes bit-exactly from a stop in the middle of episodes (3 slots, sampled horizons, ${estimator})`, async () => {
      const opts = multi({ estimator, pesSigma: 0.02 });
      const full = await metaTrain(opts);
      expect(full.metaSteps).toBe(12);
      const path = join(dir, `mid-${estimator}.l2ock`);
      const ctl = new AbortController();
      const first = await metaTrain({
        ...opts,
        checkpointPath: path,
        signal: ctl.signal,
        onProgress: (e) => {
          if (e.kind === 'step' && e.metaStep === 6) ctl.abort();
        },
      });
      expect(first.stopped).toBe(true);
      expect(first.metaSteps).toBe(6);
      expect(first.epochsDone).toBe(1);
      const ck = readCheckpoint(readFileSync(path));
      const slots = (ck.run as unknown as { slots: { info: SlotInfo }[] }).slots.map((s) => s.info);
      expect(slots).toHaveLength(3);
      expect(slots.some((i) => i.step > 0 && i.step < i.horizon)).toBe(true);
      expect(new Set(slots.map((i) => i.horizon)).size).toBeGreaterThan(1);
      tf.dispose([ck.phi, ck.best, ck.metaState, ck.run] as tf.TensorContainer[]);
      disposeResult(first);
      const second = await metaTrain({ ...opts, checkpointPath: path, resume: true });
      expect(bits(second.lastMetaParams)).toEqual(bits(full.lastMetaParams));
      expect(bits(second.metaParams)).toEqual(bits(full.metaParams));
      expect(historyKey(second)).toBe(historyKey(full));
      expect(counters(second)).toEqual(counters(full));
      expect(full.episodes).toBeGreaterThan(3);
      disposeResult(second);
      disposeResult(full);
    });
  }

  it('resumes a checkpoint of the single-task trainer (no in-flight slots) at its next epoch, bit for bit', async () => {
    const opts: MetaTrainOptions<BatchData, TinyState> = {
      learned: tinyLearned(),
      family: conformanceQuadraticFamily(),
      seed: 21,
      metaLearningRate: 0.02,
      validationProblems: 2,
      epochs: 5,
      horizon: 10,
      unroll: 5,
      validateEvery: 2,
    };
    const full = await metaTrain(opts);
    const path = join(dir, 'v1.l2ock');
    const ctl = new AbortController();
    disposeResult(
      await metaTrain({
        ...opts,
        checkpointPath: path,
        signal: ctl.signal,
        onProgress: (e) => e.kind === 'epoch' && e.epoch === 2 && ctl.abort(),
      }),
    );
    // What the single-task trainer wrote: the same file without the `run` part.
    const ck = readCheckpoint(readFileSync(path));
    const { run, ...old } = ck;
    writeCheckpoint(path, old);
    tf.dispose([ck.phi, ck.best, ck.metaState, run ?? null] as tf.TensorContainer[]);
    const resumed = await metaTrain({ ...opts, checkpointPath: path, resume: true });
    expect(bits(resumed.lastMetaParams)).toEqual(bits(full.lastMetaParams));
    expect(historyKey(resumed)).toBe(historyKey(full));
    disposeResult(resumed);
    disposeResult(full);
  });

  it('drops non-finite slot gradients, skips steps with none, and (resetNonFinite) restarts those slots', async () => {
    const base: MetaTrainOptions<BatchData, TinyState> = {
      learned: tinyLearned(),
      family: nanFromBatchFamily(conformanceQuadraticFamily(), 8) as unknown as OptimizeeFamily<BatchData>,
      validationFamily: conformanceQuadraticFamily(),
      seed: 2,
      epochs: 2,
      metaStepsPerEpoch: 4,
      horizon: 20,
      unroll: 5,
      tasksPerStep: 2,
      metaLearningRate: 0.02,
      validationProblems: 2,
    };
    // f(θ_7) is NaN: the first truncation of every episode is finite, the others are not.
    const carryOn = await metaTrain(base);
    expect(counters(carryOn)).toEqual({ metaSteps: 8, skipped: 6, dropped: 12, resets: 0, episodes: 4 });
    const reset = await metaTrain({ ...base, resetNonFinite: true });
    // Each slot: a finite truncation, a NaN one, reset; so every other meta-step has no finite gradient.
    expect(counters(reset)).toEqual({ metaSteps: 8, skipped: 4, dropped: 8, resets: 8, episodes: 8 });
    for (const r of [carryOn, reset]) {
      for (const v of Object.values(scalars(r.lastMetaParams))) expect(Number.isFinite(v)).toBe(true);
    }
    // Four applied steps move φ further than two.
    const start = scalars(tinyLearned().initMetaParams(undefined as never));
    const dist = (r: MetaTrainResult): number =>
      Math.hypot(...Object.entries(scalars(r.lastMetaParams)).map(([k, v]) => v - start[k]!));
    expect(dist(reset)).toBeGreaterThan(dist(carryOn));
    disposeResult(carryOn);
    disposeResult(reset);
  });

  it('tells the optimizer each episode’s horizon: drawn per episode (multiples of K) or by the curriculum', async () => {
    const seen: number[] = [];
    const inner = tinyLearned();
    const recording: LearnedOptimizer<TinyState> = {
      ...inner,
      withMetaParams(phi) {
        const opt = inner.withMetaParams(phi);
        return {
          ...opt,
          init: (params, ctx) => {
            seen.push(ctx?.totalSteps ?? -1);
            return opt.init(params, ctx);
          },
        };
      },
    };
    const run = async (horizon: MetaTrainOptions<BatchData, TinyState>['horizon'], epochs: number) => {
      seen.length = 0;
      disposeResult(
        await metaTrain(
          multi({ learned: recording, horizon, epochs, tasksPerStep: 2, validationHorizon: 7, validateEvery: 100 }),
        ),
      );
      return seen.filter((t) => t !== 7);
    };
    const drawn = await run({ min: 10, max: 80 }, 5);
    expect(drawn.length).toBeGreaterThan(4);
    for (const t of drawn) {
      expect(t % 5).toBe(0);
      expect(t).toBeGreaterThanOrEqual(10);
      expect(t).toBeLessThanOrEqual(80);
    }
    expect(new Set(drawn).size).toBeGreaterThan(2);
    const curriculum = await run(
      {
        curriculum: [
          [0, 5],
          [16, 25],
        ],
      },
      6,
    );
    expect(curriculum[0]).toBe(5);
    expect(curriculum.at(-1)).toBe(25);
    for (let i = 1; i < curriculum.length; i++) expect(curriculum[i]!).toBeGreaterThanOrEqual(curriculum[i - 2] ?? 0);
  });

  it('refuses to resume with other multi-task settings, naming the setting', async () => {
    const path = join(dir, 'refuse-multi.l2ock');
    disposeResult(await metaTrain(multi({ epochs: 1, checkpointPath: path, estimator: 'pes' })));
    const again = (over: Partial<MetaTrainOptions<BatchData, TinyState>>) =>
      metaTrain(multi({ epochs: 2, checkpointPath: path, resume: true, estimator: 'pes', ...over }));
    await expect(again({ tasksPerStep: 2 })).rejects.toThrow(/different run.*tasksPerStep/);
    await expect(again({ estimator: 'bptt' })).rejects.toThrow(/different run.*estimator/);
    await expect(again({ pesSigma: 0.1 })).rejects.toThrow(/different run.*pesSigma/);
    await expect(again({ horizon: { min: 5, max: 50 } })).rejects.toThrow(/different run.*horizon/);
    await expect(again({ lossTransform: 'relative' })).rejects.toThrow(/different run.*lossTransform/);
    await expect(again({ lossWeights: 'linear' })).rejects.toThrow(/different run.*lossWeights/);
    await expect(again({ resetNonFinite: true })).rejects.toThrow(/different run.*resetNonFinite/);
    await expect(again({ validationMetric: 'log-ratio' })).rejects.toThrow(/different run.*validationMetric/);
    await expect(again({ validationHorizon: 20 })).rejects.toThrow(/different run.*validationHorizon/);
    await expect(again({ metaStepsPerEpoch: 5 })).rejects.toThrow(/different run.*metaStepsPerEpoch/);
    // The same settings (more epochs) resume.
    disposeResult(await again({}));
  });

  it('leaks no tensors over multi-slot BPTT and PES runs with a stop and resume', async () => {
    disposeResult(await metaTrain(multi({ epochs: 1, estimator: 'pes' })));
    const before = tf.memory().numTensors;
    for (const estimator of ['bptt', 'pes'] as const) {
      const path = join(dir, `leak-${estimator}.l2ock`);
      const ctl = new AbortController();
      disposeResult(
        await metaTrain(
          multi({
            estimator,
            checkpointPath: path,
            signal: ctl.signal,
            onProgress: (e) => e.kind === 'step' && e.metaStep === 5 && ctl.abort(),
          }),
        ),
      );
      expect(tf.memory().numTensors).toBe(before);
      disposeResult(await metaTrain(multi({ estimator, checkpointPath: path, resume: true })));
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it('meta-trains with PES: 4 tasks per step lower the validation score', async () => {
    const validations: number[] = [];
    const r = await metaTrain({
      learned: tinyLearned(),
      family: conformanceQuadraticFamily(),
      seed: 3,
      epochs: 20,
      horizon: 20,
      unroll: 5,
      validateEvery: 5,
      validationProblems: 4,
      metaLearningRate: 0.01,
      estimator: 'pes',
      pesSigma: 0.01,
      tasksPerStep: 4,
      onProgress: (e) => e.kind === 'validation' && validations.push(e.validation!),
    });
    expect(r.bestValidation).toBeLessThan(0.6 * validations[0]!);
    expect(r.bestEpoch).toBeGreaterThan(0);
    disposeResult(r);
  });

  it('rejects bad multi-task options with an error naming the field and the allowed values', async () => {
    await expect(metaTrain(multi({ tasksPerStep: 0 }))).rejects.toThrow(/tasksPerStep: must be a positive integer/);
    await expect(metaTrain(multi({ estimator: 'es' as 'pes' }))).rejects.toThrow(
      /estimator: unknown "es"; allowed values: bptt, pes/,
    );
    await expect(metaTrain(multi({ estimator: 'pes', pesSigma: -1 }))).rejects.toThrow(/pesSigma/);
    await expect(metaTrain(multi({ horizon: { min: 40, max: 5 } }))).rejects.toThrow(/horizon: \{ min, max \}/);
    await expect(
      metaTrain(
        multi({
          horizon: {
            curriculum: [
              [5, 10],
              [2, 20],
            ],
          },
        }),
      ),
    ).rejects.toThrow(/horizon\.curriculum/);
    await expect(metaTrain(multi({ lossTransform: 'sqrt' as 'log' }))).rejects.toThrow(
      /lossTransform: unknown "sqrt"; allowed values: none, relative, log/,
    );
    await expect(metaTrain(multi({ lossWeights: 'late' as 'linear' }))).rejects.toThrow(
      /lossWeights: unknown rule "late"; allowed values: uniform, linear/,
    );
    await expect(metaTrain(multi({ lossWeights: [1, 2] }))).rejects.toThrow(/lossWeights: an array.*fixed horizon/);
    await expect(metaTrain(multi({ metaStepsPerEpoch: 0 }))).rejects.toThrow(/metaStepsPerEpoch/);
    await expect(metaTrain(multi({ validationHorizon: 2.5 }))).rejects.toThrow(/validationHorizon/);
  });
});
