import { join } from 'node:path';
import { str, type FlagSpecs, type FlagValue } from '../args.js';
import { compareOptimizers, COMPARE_FLAGS } from './compare.js';
import { longestHorizon, runTrain, TRAIN_FLAGS } from './train.js';
import { loadLearned, makeFamily } from '../registry.js';
import { disposeMap } from '@l2o/core';

export const QUICKSTART_FLAGS: FlagSpecs = {
  ...TRAIN_FLAGS,
  epochs: { ...TRAIN_FLAGS['epochs']!, default: 300 },
  'meta-lr': { ...TRAIN_FLAGS['meta-lr']!, default: 0.005 },
  'validate-every': { ...TRAIN_FLAGS['validate-every']!, default: 25 },
  problems: COMPARE_FLAGS['problems']!,
  'tune-problems': { ...COMPARE_FLAGS['tune-problems']!, default: 50 },
  baselines: COMPARE_FLAGS['baselines']!,
  grid: COMPARE_FLAGS['grid']!,
  out: { type: 'string', help: 'run folder', default: 'runs/quickstart' },
};

/** The main job on built-in defaults: meta-train the LSTM on quadratics, then compare with tuned baselines. */
export async function runQuickstart(flags: Record<string, FlagValue>): Promise<void> {
  const out = str(flags['out']);
  process.stderr.write(
    `l2o quickstart: meta-training an LSTM optimizer on ${str(flags['dim'])}-dim quadratics, then comparing it with tuned SGD, NAG, RMSprop and Adam.\n`,
  );
  const { optimizerDir } = await runTrain({ ...flags, out: join(out, 'train') });
  const loaded = loadLearned(optimizerDir, '--out');
  const family = makeFamily(flags, 'test');
  await compareOptimizers(
    family,
    makeFamily(flags, 'validation'),
    [loaded],
    { ...flags, steps: longestHorizon(flags['horizon']), seed: 2_000_003, out: join(out, 'compare') },
    `LSTM optimizer against tuned baselines on ${family.name}`,
  );
  disposeMap(loaded.metaParams);
}
