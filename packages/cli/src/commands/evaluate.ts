import { disposeMap, evaluate, optimizerForEvaluation } from '@l2o/core';
import type { EvaluateEntry } from '@l2o/core/extend';
import { BASELINE_NAMES, makeBaseline, parseBaselineName } from '@l2o/baselines';
import { UsageError, list, num, str, type FlagSpecs, type FlagValue } from '../args.js';
import { lockOutput } from '../errors.js';
import { Progress } from '../progress.js';
import { TASK_FLAGS, loadLearned, makeFamily, type LoadedLearned } from '../registry.js';
import { writeEvaluationReport } from '../report.js';

export const EVAL_FLAGS: FlagSpecs = {
  ...TASK_FLAGS,
  learned: {
    type: 'list',
    help: 'trained optimizers: folders (from l2o train) or preset:NAME (shipped presets)',
    default: [],
  },
  baselines: {
    type: 'list',
    help: `baselines as name:learning-rate (names: ${BASELINE_NAMES.join(', ')})`,
    default: [],
  },
  problems: { type: 'integer', help: 'fresh problems to average over', default: 100, min: 1 },
  steps: { type: 'integer', help: 'optimizer steps per problem', default: 100, min: 1 },
  seed: { type: 'integer', help: 'seed of the test problems', default: 2_000_003 },
  out: { type: 'string', help: 'folder for result.json, loss-curves.svg, report.md', default: 'runs/eval' },
};

export function parseBaselineSpec(spec: string): EvaluateEntry {
  const [name, lr] = spec.split(':');
  const rate = Number(lr);
  if (lr === undefined || !Number.isFinite(rate) || rate <= 0) {
    throw new UsageError(`--baselines: "${spec}" must be name:learning-rate with a positive rate, e.g. adam:0.03`);
  }
  let n: ReturnType<typeof parseBaselineName>;
  try {
    n = parseBaselineName(name ?? '');
  } catch (e) {
    throw new UsageError(`--baselines: "${spec}": ${e instanceof Error ? e.message : String(e)}`);
  }
  return { name: `${n.toUpperCase()} (lr ${rate})`, optimizer: makeBaseline(n, rate) };
}

export async function runEvaluate(flags: Record<string, FlagValue>): Promise<void> {
  const baselines = list(flags['baselines']).map(parseBaselineSpec);
  if (baselines.length === 0 && list(flags['learned']).length === 0)
    throw new UsageError('give at least one optimizer: --learned <folder> and/or --baselines name:lr');
  const family = makeFamily(flags, 'test');
  const lock = lockOutput('--out', str(flags['out']), 'l2o eval');
  const loaded: LoadedLearned[] = [];
  try {
    for (const dir of list(flags['learned'])) loaded.push(loadLearned(dir));
    const entries: EvaluateEntry[] = [
      ...loaded.map((l) => ({ name: l.name, optimizer: optimizerForEvaluation(l.learned, l.metaParams) })),
      ...baselines,
    ];
    const problems = num(flags['problems']);
    const progress = new Progress({ label: 'evaluate', total: problems });
    const result = await evaluate({
      family,
      optimizers: entries,
      problems,
      steps: num(flags['steps']),
      seed: num(flags['seed']),
      onProgress: (d, total) => progress.update(Math.floor((d * problems) / total)),
    });
    progress.finish();
    writeEvaluationReport(str(flags['out']), result, { title: `Evaluation on ${family.name}` });
  } finally {
    for (const l of loaded) disposeMap(l.metaParams);
    lock.release();
  }
}
