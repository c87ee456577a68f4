export { parseFlags, helpText, UsageError } from './args.js';
export { InterruptedError, FlagIoError } from './errors.js';
export type { FlagSpec, FlagSpecs, FlagType, FlagValue } from './args.js';
export { Progress, formatDuration } from './progress.js';
export type { ProgressOptions } from './progress.js';
export { runTrain, TRAIN_FLAGS } from './commands/train.js';
export { runEvaluate, EVAL_FLAGS } from './commands/evaluate.js';
export { runCompare, compareOptimizers, COMPARE_FLAGS } from './commands/compare.js';
export { runQuickstart, QUICKSTART_FLAGS } from './commands/quickstart.js';
