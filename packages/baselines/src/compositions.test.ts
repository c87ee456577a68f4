/**
 * The baselines are compositions of core's transforms. Beyond the 1e-5 agreement of each baseline's own test,
 * these check equality bit for bit: every baseline against its tf.train optimizer, and the same chain written
 * by hand (without the baseline's state layout) against the baseline.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adam,
  chain,
  initEngine,
  type Optimizer,
  scale,
  scaleByAdam,
  scaleByLearningRate,
  scaleByRms,
  trace,
} from '@l2o/core';
import { nag } from './nag.js';
import { baselineFromConfig } from './registry.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';
import { logisticTask, maxRelativeError, runOptimizer, runTfjs, totalMovement } from './test-support.js';

interface Case {
  readonly title: string;
  readonly baseline: () => Optimizer;
  readonly reference: () => tf.Optimizer;
  readonly chain: () => Optimizer;
}

const cases: Case[] = [
  {
    title: 'sgd lr 0.5',
    baseline: () => sgd({ learningRate: 0.5 }),
    reference: () => tf.train.sgd(0.5),
    chain: () => scaleByLearningRate(0.5),
  },
  {
    title: 'nag lr 0.3',
    baseline: () => nag({ learningRate: 0.3 }),
    reference: () => tf.train.momentum(0.3, 0.9, true),
    chain: () => chain(trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.3)),
  },
  {
    title: 'rmsprop lr 0.003, decay 0.95, momentum 0.9, epsilon 1e-6',
    baseline: () => rmsprop({ learningRate: 0.003, decay: 0.95, momentum: 0.9, epsilon: 1e-6 }),
    reference: () => tf.train.rmsprop(0.003, 0.95, 0.9, 1e-6),
    chain: () => chain(scaleByRms({ decay: 0.95, eps: 1e-6, numeratorScale: 0.003 }), trace({ decay: 0.9 }), scale(-1)),
  },
  {
    title: 'rmsprop centered, lr 0.01, momentum 0.5, epsilon 1e-20',
    baseline: () => rmsprop({ learningRate: 0.01, momentum: 0.5, epsilon: 1e-20, centered: true }),
    reference: () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-20, true),
    chain: () =>
      chain(scaleByRms({ eps: 1e-20, centered: true, numeratorScale: 0.01 }), trace({ decay: 0.5 }), scale(-1)),
  },
  {
    title: 'adam lr 0.1, beta1 0.5, beta2 0.99, epsilon 1e-4',
    baseline: () => adam({ learningRate: 0.1, beta1: 0.5, beta2: 0.99, epsilon: 1e-4 }),
    reference: () => tf.train.adam(0.1, 0.5, 0.99, 1e-4),
    chain: () => chain(scaleByAdam({ b1: 0.5, b2: 0.99, eps: 1e-4 }), scaleByLearningRate(0.1)),
  },
];

describe.each(['wasm', 'cpu'] as const)('baselines as compositions on %s', (backend) => {
  let task: ReturnType<typeof logisticTask>;
  beforeAll(async () => {
    await initEngine(backend);
    task = logisticTask();
  });
  afterAll(() => task.dispose());

  for (const c of cases) {
    it(`${c.title}: equals the tf.train optimizer bit for bit over 100 steps, and so does its chain`, () => {
      const ref = runTfjs(task, c.reference(), 100);
      expect(totalMovement(ref, task)).toBeGreaterThan(0.05);
      expect(maxRelativeError(runOptimizer(task, c.baseline(), 100), ref)).toBe(0);
      expect(maxRelativeError(runOptimizer(task, c.chain(), 100), ref)).toBe(0);
    });
  }
});

describe('baseline configs', () => {
  beforeAll(async () => {
    await initEngine('cpu');
  });

  it('each baseline records a config that baselineFromConfig rebuilds into the same optimizer', () => {
    for (const c of cases) {
      const opt = c.baseline();
      expect(opt.config).toBeDefined();
      expect(baselineFromConfig(opt.config!).name).toBe(opt.name);
    }
    expect(nag({ learningRate: 1 }).config).toEqual({ name: 'nag', learningRate: 1, momentum: 0.9 });
  });
});
