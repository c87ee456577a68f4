import { defineTask, TASK_SPLITS, type BenchmarkTask, type BenchmarkTaskSpec, type TaskSplit } from './task.js';
import { L2oError } from '@l2o/core';

/** A named list of tasks with unique ids. */
export interface BenchmarkSuite {
  readonly name: string;
  readonly tasks: readonly BenchmarkTask[];
}

/**
 * Checks a suite: every task valid ({@link defineTask}), ids unique, and every long-run variant pointing at a task
 * of the same split. Specs are turned into tasks; tasks are checked again.
 */
export function defineSuite(name: string, tasks: readonly (BenchmarkTask | BenchmarkTaskSpec)[]): BenchmarkSuite {
  if (typeof name !== 'string' || name.trim() === '')
    throw new L2oError('INVALID_OPTION', 'suite.name: must be a non-empty string');
  if (!Array.isArray(tasks) || tasks.length === 0)
    throw new L2oError('INVALID_OPTION', `suite "${name}".tasks: must be a non-empty array`);
  const out = tasks.map((t) => defineTask(t));
  const ids = new Map<string, BenchmarkTask>();
  for (const t of out) {
    if (ids.has(t.id)) throw new L2oError('INVALID_OPTION', `suite "${name}": task id "${t.id}" is used twice`);
    ids.set(t.id, t);
  }
  for (const t of out) {
    if (t.longRunOf === undefined) continue;
    const base = ids.get(t.longRunOf);
    if (!base)
      throw new L2oError(
        'INVALID_OPTION',
        `suite "${name}": task "${t.id}".longRunOf names "${t.longRunOf}", which is not in the suite`,
      );
    if (base.split !== t.split) {
      throw new L2oError(
        'INVALID_OPTION',
        `suite "${name}": task "${t.id}" (${t.split}) is a long run of "${base.id}" (${base.split}); splits must match`,
      );
    }
  }
  return { name, tasks: out };
}

/** Adds tasks of one's own to a suite (a new suite; ids must stay unique). */
export function extendSuite(
  suite: BenchmarkSuite,
  tasks: readonly (BenchmarkTask | BenchmarkTaskSpec)[],
  name = suite.name,
): BenchmarkSuite {
  return defineSuite(name, [...suite.tasks, ...tasks]);
}

export interface SelectTasksOptions {
  /** Keep the tasks of this split (default: every split). */
  readonly split?: TaskSplit;
  /** Keep these task ids only (each must exist, in the split if one is given); default all. */
  readonly ids?: readonly string[];
}

/** The tasks of a suite in suite order, filtered by split and ids; an unknown id is an error listing the allowed ones. */
export function selectTasks(suite: BenchmarkSuite, options: SelectTasksOptions = {}): BenchmarkTask[] {
  const { split, ids } = options;
  if (split !== undefined && !(TASK_SPLITS as readonly string[]).includes(split)) {
    throw new L2oError(
      'INVALID_OPTION',
      `split: must be one of ${TASK_SPLITS.join(', ')}; got ${JSON.stringify(split)}`,
    );
  }
  const inSplit = suite.tasks.filter((t) => split === undefined || t.split === split);
  if (ids === undefined || ids.length === 0) return inSplit;
  const allowed = new Set(inSplit.map((t) => t.id));
  for (const id of ids) {
    if (!allowed.has(id)) {
      throw new L2oError(
        'INVALID_OPTION',
        `tasks: "${id}" is not a task of suite "${suite.name}"${split ? ` in split ${split}` : ''}; allowed: ${[...allowed].join(', ')}`,
      );
    }
  }
  const wanted = new Set(ids);
  return inSplit.filter((t) => wanted.has(t.id));
}
