import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BatchData, initEngine, lossAndGrad, type OptimizeeFamily, Rng } from '@l2o/core';
import { disposeBatch } from '@l2o/core/extend';
import { defaultSuite, LONG_RUN_TASKS } from './default-suite.js';
import { selectTasks } from './suite.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** The architecture of a task's problems: the problem name (it holds layer sizes, activation, dimension…). */
function architecture(f: OptimizeeFamily<BatchData>): string {
  const p = f.sample(Rng.seeded(1));
  const name = p.name;
  p.dispose?.();
  return name;
}

describe('defaultSuite', () => {
  const suite = defaultSuite();
  const test = selectTasks(suite, { split: 'test' });
  const main = test.filter((t) => t.longRunOf === undefined);
  const validation = selectTasks(suite, { split: 'validation' });
  const train = selectTasks(suite, { split: 'train' });

  it('has ≥ 16 test tasks of ≥ 5 kinds with ≥ 20 runs, 5–8 validation tasks, and 10× long runs of test tasks', () => {
    expect(main.length).toBeGreaterThanOrEqual(16);
    expect(new Set(main.map((t) => t.kind)).size).toBeGreaterThanOrEqual(5);
    for (const t of test) expect(t.runs).toBeGreaterThanOrEqual(20);
    expect(validation.length).toBeGreaterThanOrEqual(5);
    expect(validation.length).toBeLessThanOrEqual(8);
    expect(LONG_RUN_TASKS.length).toBeGreaterThan(0);
    for (const id of LONG_RUN_TASKS) {
      const base = main.find((t) => t.id === id)!;
      const long = test.find((t) => t.id === `${id}-long`)!;
      expect(long.longRunOf).toBe(id);
      expect(long.steps).toBe(10 * base.steps);
      expect(long.seed).toBe(base.seed);
    }
  });

  it('gives every task its own seeds, and tuning seeds differ from the reported ones', () => {
    const seeds = suite.tasks.filter((t) => t.longRunOf === undefined).flatMap((t) => [t.seed, t.tuneSeed]);
    expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('keeps the splits apart: no train architecture appears in validation or test; data tasks draw from their data split', () => {
    const trainArch = new Set(train.map((t) => architecture(t.family('train'))));
    expect(trainArch.size).toBe(train.length);
    for (const t of [...validation, ...main]) expect(trainArch.has(architecture(t.family('test')))).toBe(false);
    // MNIST tasks name their data split in the family name; train tasks on train data, test tasks on test data.
    const mnistTrain = train.find((t) => t.id === 'train-celo-mnist-8x8')!;
    expect(mnistTrain.family('train').name).toMatch(/-train$/);
    const mnistTest = main.find((t) => t.id === 'mnist-softmax-l2')!;
    expect(mnistTest.family('test').name).toMatch(/-test$/);
    expect(mnistTest.family('validation').name).toMatch(/-validation$/);
  });

  it('every task samples a problem with a finite loss and gradient at θ₀, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    for (const t of suite.tasks.filter((x) => x.longRunOf === undefined)) {
      const f = t.family(t.split === 'train' ? 'train' : 'test');
      const problem = f.sample(Rng.seeded(2));
      const params = problem.init(Rng.seeded(3));
      const batch = problem.sampleBatch(Rng.seeded(4));
      const { loss, grads } = lossAndGrad(problem, params, batch);
      const v = loss.dataSync()[0]!;
      expect(Number.isFinite(v), t.id).toBe(true);
      if (t.logY) expect(v, t.id).toBeGreaterThan(0);
      tf.dispose([params, loss, grads]);
      disposeBatch(batch);
      problem.dispose?.();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
