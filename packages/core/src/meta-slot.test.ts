import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import type { MetaGradientEstimator } from './estimator.js';
import { bpttEstimator } from './estimator-bptt.js';
import { pesEstimator } from './estimator-pes.js';
import { decodeSlot, encodeSlot, newEpisodeSlot, slotProblem, type MetaSlot } from './meta-slot.js';
import { Rng } from './rng.js';
import { tensorsIn } from './tensor-container.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned } from './test-fixtures.js';
import { conformanceQuadraticFamily } from './testing.js';
import type { TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const bits = (c: tf.TensorContainer): number[][] =>
  tensorsIn(c).map((t) => Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer)));

describe('slots', () => {
  it('start an episode from the streams of Rng.seeded(seed, episode), in evaluate’s order', () => {
    const slot = newEpisodeSlot(3, 17, 40);
    const base = Rng.seeded(3, 17);
    const streams = [base.fork(), base.fork(), base.fork(), base.fork(), base.fork()];
    expect(slot.info.problemRng).toEqual(streams[0]!.state());
    expect(slot.info.initRng).toEqual(streams[1]!.state());
    expect(slot.info.batchRng).toEqual(streams[2]!.state());
    expect(slot.info.noiseRng).toEqual(streams[4]!.state());
    expect(slot.info).toMatchObject({ episode: 17, horizon: 40, step: 0, initialLoss: null });
    expect(slot.tensors).toBeNull();
  });

  for (const [name, make] of [
    ['bptt', () => bpttEstimator({ learned: tinyLearned(), unroll: 4 })],
    ['pes', () => pesEstimator({ learned: tinyLearned(), unroll: 4, sigma: 0.05 })],
  ] as const) {
    it(`round-trip through the container codec mid-episode and continue bit for bit (${name})`, () => {
      const estimator: MetaGradientEstimator = make();
      const family = conformanceQuadraticFamily();
      const phi = tinyLearned().initMetaParams(Rng.seeded(0));
      const before = tf.memory().numTensors;
      const slot0 = newEpisodeSlot(5, 2, 12);
      const problem = slotProblem(family, slot0.info);
      const first = estimator.estimate(phi, slot0, problem);
      disposeMap(first.metaGradient);
      const mid = first.slot;
      expect(mid.info.step).toBe(4);
      // JSON through a string, as a checkpoint or a job queue would carry it.
      const { json, bytes } = encodeSlot(mid);
      const copy: MetaSlot = decodeSlot(JSON.parse(JSON.stringify(json)), bytes.slice());
      expect(copy.info).toEqual(mid.info);
      expect(bits(copy.tensors!)).toEqual(bits(mid.tensors!));
      const a = estimator.estimate(phi, mid, problem);
      const rebuilt = slotProblem(family, copy.info);
      const b = estimator.estimate(phi, copy, rebuilt);
      rebuilt.dispose?.();
      expect(bits(b.metaGradient)).toEqual(bits(a.metaGradient));
      expect(b.losses).toEqual(a.losses);
      expect(b.slot.info).toEqual(a.slot.info);
      expect(bits(b.slot.tensors!)).toEqual(bits(a.slot.tensors!));
      for (const r of [a, b]) {
        disposeMap(r.metaGradient);
        tf.dispose(r.slot.tensors!);
      }
      tf.dispose([mid.tensors!, copy.tensors!]);
      problem.dispose?.();
      expect(tf.memory().numTensors).toBe(before);
      disposeMap(phi as TensorMap);
    });
  }

  it('decodeSlot refuses a malformed slot, naming the field, and leaks nothing', () => {
    const slot = newEpisodeSlot(1, 0, 10);
    const { json } = encodeSlot({ ...slot, tensors: { x: tf.scalar(1) } });
    const before = tf.memory().numTensors;
    const { bytes } = encodeSlot({ ...slot, tensors: { x: tf.scalar(1) } });
    const bad = (edit: (info: Record<string, unknown>) => void) => {
      const j = JSON.parse(JSON.stringify(json)) as { info: Record<string, unknown> };
      edit(j.info);
      return () => decodeSlot(j as never, bytes);
    };
    expect(bad((i) => (i['step'] = 11))).toThrow(/info\.step \(11\) must lie in \[0, horizon = 10\]/);
    expect(bad((i) => (i['episode'] = -1))).toThrow(/info\.episode must be a non-negative integer/);
    expect(bad((i) => (i['batchRng'] = [0, 0, 0, 0]))).toThrow(/info\.batchRng must be an Rng state/);
    expect(bad((i) => (i['initialLoss'] = 'x'))).toThrow(/info\.initialLoss/);
    expect(tf.memory().numTensors).toBe(before + 1);
  });
});
