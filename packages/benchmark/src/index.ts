export { defineTask, longRunVariant, TASK_SPLITS, DATA_SPLITS, TASK_KINDS } from './task.js';
export type { BenchmarkTask, BenchmarkTaskSpec, TaskSplit, DataSplit } from './task.js';
export { defineSuite, extendSuite, selectTasks } from './suite.js';
export type { BenchmarkSuite, SelectTasksOptions } from './suite.js';
export { defaultSuite, catDogImages, LONG_RUN_TASKS } from './default-suite.js';
export { benchmark } from './benchmark.js';
export type { BenchmarkOptions, BenchmarkLearnedEntry, BenchmarkProgress, BenchmarkResult } from './benchmark.js';
export { summariseTask, summariseBenchmark } from './results.js';
export type {
  TaskResult,
  OptimizerTaskResult,
  Comparison,
  LearnedSummary,
  BenchmarkSummary,
  TaskRuns,
} from './results.js';
export { writeBenchmarkReport, benchmarkReportMarkdown, finalLossText, toJson } from './report.js';
export type { BenchmarkReportOptions } from './report.js';
export { smallMultiplesSvg } from './small-multiples-svg.js';
export type { SmallMultiplesOptions } from './small-multiples-svg.js';
export { BenchmarkStore, curveSteps, encodeNumber, decodeNumber, roundCurvePoint } from './store.js';
export type { TuningRecord, RunRecord } from './store.js';
export {
  interquartileMean,
  medianOf,
  pairedComparison,
  signTestPValue,
  runDiverged,
  stepsToReach,
  trailingMean,
} from './stats.js';
export type { PairedComparison } from './stats.js';
export { learnedFingerprint } from './fingerprint.js';
