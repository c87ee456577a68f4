import { describe, expect, it } from 'vitest';
import type { BatchData, OptimizeeFamily } from '@l2o/core';
import { defineTask, longRunVariant, type BenchmarkTaskSpec } from './task.js';

const family = (): OptimizeeFamily<BatchData> => ({ name: 'f', sample: () => ({}) as never });
const spec: BenchmarkTaskSpec = {
  id: 'my-task',
  kind: 'quadratic',
  split: 'test',
  description: 'a task',
  family,
  steps: 50,
  batchSize: null,
  seed: 7,
};

describe('defineTask', () => {
  it('fills in the defaults: 20 runs, 4 tuning problems, tuning seed = seed + 1, log scale', () => {
    const t = defineTask(spec);
    expect(t).toMatchObject({ runs: 20, tuneProblems: 4, tuneSeed: 8, logY: true, steps: 50 });
    expect(defineTask({ ...spec, runs: 30, tuneSeed: 99, logY: false })).toMatchObject({
      runs: 30,
      tuneSeed: 99,
      logY: false,
    });
  });

  it('refuses bad specs, naming the field and what is allowed', () => {
    expect(() => defineTask({ ...spec, id: 'My Task' })).toThrow(/task\.id: must be kebab-case/);
    expect(() => defineTask({ ...spec, kind: '' })).toThrow(
      /task "my-task"\.kind: must be a kebab-case word such as mlp/,
    );
    expect(() => defineTask({ ...spec, split: 'dev' as 'test' })).toThrow(
      /\.split: must be one of train, validation, test/,
    );
    expect(() => defineTask({ ...spec, description: ' ' })).toThrow(/\.description/);
    expect(() => defineTask({ ...spec, family: 3 as never })).toThrow(/\.family: must be a function/);
    expect(() => defineTask({ ...spec, steps: 0 })).toThrow(/\.steps: must be a positive integer, got 0/);
    expect(() => defineTask({ ...spec, batchSize: 0 })).toThrow(/\.batchSize/);
    expect(() => defineTask({ ...spec, seed: 1.5 })).toThrow(/\.seed: must be an integer/);
    expect(() => defineTask({ ...spec, tuneSeed: 7 })).toThrow(/\.tuneSeed: must be an integer other than seed \(7\)/);
    expect(() => defineTask({ ...spec, runs: -1 })).toThrow(/\.runs/);
    expect(() => defineTask({ ...spec, tuneProblems: 0 })).toThrow(/\.tuneProblems/);
    expect(() => defineTask({ ...spec, logY: 'yes' as never })).toThrow(/\.logY/);
    expect(() => defineTask({ ...spec, step: 3 } as never)).toThrow(/unknown field "step"; allowed: id, kind/);
  });

  it('a long-run variant has 10× the steps, the same problems and seeds, and names its base', () => {
    const base = defineTask(spec);
    const long = longRunVariant(base, { tuneProblems: 2 });
    expect(long).toMatchObject({ id: 'my-task-long', steps: 500, seed: 7, tuneSeed: 8, runs: 20, tuneProblems: 2 });
    expect(long.longRunOf).toBe('my-task');
    expect(long.family).toBe(base.family);
    expect(longRunVariant(base, { factor: 3 }).steps).toBe(150);
    expect(() => longRunVariant(base, { factor: 0 })).toThrow(/longRunVariant\.factor/);
  });
});
