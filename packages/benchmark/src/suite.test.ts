import { describe, expect, it } from 'vitest';
import type { BatchData, OptimizeeFamily } from '@l2o/core';
import { defineSuite, extendSuite, selectTasks } from './suite.js';
import { longRunVariant, defineTask, type BenchmarkTaskSpec } from './task.js';

const family = (): OptimizeeFamily<BatchData> => ({ name: 'f', sample: () => ({}) as never });
const task = (id: string, split: 'train' | 'validation' | 'test'): BenchmarkTaskSpec => ({
  id,
  kind: 'quadratic',
  split,
  description: id,
  family,
  steps: 10,
  batchSize: null,
  seed: 1,
});

describe('suites', () => {
  it('need unique ids and long runs of tasks of the same split', () => {
    expect(() => defineSuite('s', [task('a', 'test'), task('a', 'train')])).toThrow(/task id "a" is used twice/);
    const a = defineTask(task('a', 'test'));
    expect(() => defineSuite('s', [longRunVariant(a)])).toThrow(
      /"a-long"\.longRunOf names "a", which is not in the suite/,
    );
    expect(() => defineSuite('s', [{ ...a, split: 'validation' }, longRunVariant(a)])).toThrow(/splits must match/);
    expect(() => defineSuite('', [a])).toThrow(/suite\.name/);
    expect(() => defineSuite('s', [])).toThrow(/non-empty/);
    expect(defineSuite('s', [a, longRunVariant(a)]).tasks.map((t) => t.id)).toEqual(['a', 'a-long']);
  });

  it('select tasks by split and id (unknown ids are refused with the allowed ones), and users extend suites', () => {
    const suite = defineSuite('s', [task('a', 'test'), task('b', 'validation'), task('c', 'test')]);
    expect(selectTasks(suite).map((t) => t.id)).toEqual(['a', 'b', 'c']);
    expect(selectTasks(suite, { split: 'test' }).map((t) => t.id)).toEqual(['a', 'c']);
    expect(selectTasks(suite, { split: 'test', ids: ['c'] }).map((t) => t.id)).toEqual(['c']);
    expect(() => selectTasks(suite, { split: 'test', ids: ['b'] })).toThrow(
      /"b" is not a task of suite "s" in split test; allowed: a, c/,
    );
    expect(() => selectTasks(suite, { split: 'dev' as 'test' })).toThrow(
      /split: must be one of train, validation, test/,
    );
    const mine = extendSuite(suite, [task('d', 'test')], 'mine');
    expect(mine.name).toBe('mine');
    expect(selectTasks(mine, { split: 'test' }).map((t) => t.id)).toEqual(['a', 'c', 'd']);
    expect(() => extendSuite(suite, [task('a', 'test')])).toThrow(/used twice/);
  });
});
