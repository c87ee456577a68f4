import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { bpttEstimator } from './estimator-bptt.js';
import { inProcessExecutor } from './executor.js';
import { newEpisodeSlot, slotProblem } from './meta-slot.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned } from './test-fixtures.js';
import { conformanceQuadraticFamily } from './testing.js';
import type { OptimizeeFamily } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('inProcessExecutor', () => {
  it('returns one estimate per slot in slot order, equal to running the estimator directly', async () => {
    const family = conformanceQuadraticFamily();
    const estimator = bpttEstimator({ learned: tinyLearned(), unroll: 5 });
    const phi = tinyLearned().initMetaParams(Rng.seeded(0));
    const slots = [7, 3, 5].map((e) => newEpisodeSlot(2, e, 10));
    const executor = inProcessExecutor();
    const results = await executor.run({ phi, metaStep: 0, slots, estimator, family });
    expect(results.map((r) => r.slot.info.episode)).toEqual([7, 3, 5]);
    slots.forEach((slot, i) => {
      const problem = slotProblem(family, slot.info);
      const direct = estimator.estimate(phi, slot, problem);
      expect(results[i]!.losses).toEqual(direct.losses);
      for (const k of Object.keys(phi)) {
        expect(results[i]!.metaGradient[k]!.dataSync()).toEqual(direct.metaGradient[k]!.dataSync());
      }
      disposeMap(direct.metaGradient);
      tf.dispose(direct.slot.tensors!);
      problem.dispose?.();
    });
    for (const r of results) {
      disposeMap(r.metaGradient);
      tf.dispose(r.slot.tensors!);
    }
    executor.dispose();
    disposeMap(phi);
  });

  it('draws a problem once per episode and disposes it when no slot runs that episode any more', async () => {
    const base = conformanceQuadraticFamily();
    const log = { sampled: 0, disposed: 0 };
    const family: OptimizeeFamily<null> = {
      name: 'counted',
      sample(rng) {
        log.sampled++;
        const p = base.sample(rng);
        return {
          ...p,
          dispose: () => {
            log.disposed++;
            p.dispose?.();
          },
        };
      },
    };
    const estimator = bpttEstimator({ learned: tinyLearned(), unroll: 5 });
    const phi = tinyLearned().initMetaParams(Rng.seeded(0));
    const before = tf.memory().numTensors;
    const executor = inProcessExecutor();
    let slots = [newEpisodeSlot(1, 0, 20), newEpisodeSlot(1, 1, 20)];
    for (let step = 0; step < 2; step++) {
      const results = await executor.run({ phi, metaStep: step, slots, estimator, family });
      for (const [i, r] of results.entries()) {
        disposeMap(r.metaGradient);
        if (slots[i]!.tensors !== null) tf.dispose(slots[i]!.tensors!);
      }
      slots = results.map((r) => r.slot);
    }
    expect(log).toEqual({ sampled: 2, disposed: 0 });
    // Slot 1 moves on to episode 2: episode 1's problem goes, episode 0's stays.
    tf.dispose(slots[1]!.tensors!);
    slots[1] = newEpisodeSlot(1, 2, 20);
    const results = await executor.run({ phi, metaStep: 2, slots, estimator, family });
    expect(log).toEqual({ sampled: 3, disposed: 1 });
    for (const [i, r] of results.entries()) {
      disposeMap(r.metaGradient);
      if (slots[i]!.tensors !== null) tf.dispose(slots[i]!.tensors!);
      tf.dispose(r.slot.tensors!);
    }
    executor.dispose();
    expect(log).toEqual({ sampled: 3, disposed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi);
  });
});
