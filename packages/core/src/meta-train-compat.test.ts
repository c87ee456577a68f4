import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { metaTrain, type MetaTrainOptions, type MetaTrainResult } from './meta-train.js';
import { disposeMap } from './tensor-map.js';
import { tinyGradientOnly, tinyLearned, withReplayedFusedUnroll } from './test-fixtures.js';
import { conformanceQuadraticFamily } from './testing.js';
import type { BatchData, Optimizee, OptimizeeFamily, TensorMap } from './types.js';

/**
 * Regression guard for the trainer refactoring (issue 17): the φ and history of small runs, recorded bit for bit
 * with the single-function `metaTrain` of commit 4903371 (one task per epoch, fixed horizon, truncated BPTT) on the
 * wasm backend. With `tasksPerStep: 1`, a fixed horizon, the BPTT estimator and those options, the trainer must
 * reproduce them exactly. `L2O_RECORD_COMPAT=1` rewrites the fixture (only ever from that reference implementation).
 */
const FIXTURE = new URL('./meta-train-compat.fixture.json', import.meta.url);

/** Loss NaN from the 8th minibatch of every problem on (the non-finite case of the original test suite). */
function nanFamily(): OptimizeeFamily<tf.Scalar> {
  const base = conformanceQuadraticFamily();
  return {
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
}

const base = {
  family: conformanceQuadraticFamily(),
  seed: 7,
  metaLearningRate: 0.02,
  validationProblems: 2,
} as const;

const CASES: Record<string, () => MetaTrainOptions<BatchData, tf.TensorContainer>> = {
  tape: () => ({ ...base, learned: tinyLearned(), epochs: 6, horizon: 10, unroll: 5, validateEvery: 3 }),
  'linear-weights-final-metric': () => ({
    ...base,
    learned: tinyLearned({ a: 0.08 }),
    seed: 3,
    epochs: 4,
    horizon: 20,
    unroll: 5,
    validateEvery: 2,
    validationMetric: 'final',
    lossWeights: Array.from({ length: 20 }, (_, i) => (2 * (i + 1)) / 21),
  }),
  fused: () => ({
    ...base,
    learned: withReplayedFusedUnroll(tinyGradientOnly('g', 0.05), { steps: 0 }),
    epochs: 4,
    horizon: 10,
    unroll: 5,
    validateEvery: 2,
  }),
  'non-finite': () => ({
    ...base,
    learned: tinyLearned(),
    family: nanFamily() as unknown as OptimizeeFamily<BatchData>,
    validationFamily: base.family,
    seed: 2,
    epochs: 3,
    horizon: 20,
    unroll: 5,
    validateEvery: 2,
  }),
};

function hex32(map: TensorMap): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(map).sort()) {
    const d = map[k]!.dataSync() as Float32Array;
    out[k] = Array.from(new Uint32Array(Float32Array.from(d).buffer), (u) => u.toString(16).padStart(8, '0'));
  }
  return out;
}

function hex64(v: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

interface Record_ {
  lastMetaParams: Record<string, string[]>;
  metaParams: Record<string, string[]>;
  history: { epoch: number; metaLoss: string; validation?: string }[];
  bestEpoch: number;
  bestValidation: string;
  skippedUnrolls: number;
}

function record(r: MetaTrainResult): Record_ {
  return {
    lastMetaParams: hex32(r.lastMetaParams),
    metaParams: hex32(r.metaParams),
    history: r.history.map((h) => ({
      epoch: h.epoch,
      metaLoss: hex64(h.metaLoss),
      ...(h.validation !== undefined ? { validation: hex64(h.validation) } : {}),
    })),
    bestEpoch: r.bestEpoch,
    bestValidation: hex64(r.bestValidation),
    skippedUnrolls: r.skippedUnrolls,
  };
}

beforeAll(async () => {
  await initEngine('wasm');
});

describe('metaTrain reproduces the single-task trainer bit for bit', () => {
  if (process.env['L2O_RECORD_COMPAT'] === '1') {
    it('records the fixture', async () => {
      const out: Record<string, Record_> = {};
      for (const [name, make] of Object.entries(CASES)) {
        const r = await metaTrain(make());
        out[name] = record(r);
        disposeMap(r.metaParams);
        disposeMap(r.lastMetaParams);
      }
      writeFileSync(FIXTURE, `${JSON.stringify(out, null, 1)}\n`);
    });
    return;
  }
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, Record_>;
  for (const [name, make] of Object.entries(CASES)) {
    it(name, async () => {
      const r = await metaTrain(make());
      expect(record(r)).toEqual(fixture[name]);
      disposeMap(r.metaParams);
      disposeMap(r.lastMetaParams);
    });
  }
});
