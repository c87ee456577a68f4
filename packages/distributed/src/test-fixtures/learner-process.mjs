// A learner process for the tests: `node learner-process.mjs URL RUN_ID CHECKPOINT [resume]`. Prints "step N" and
// "checkpoint E" as it goes and, at the end, "phi <JSON of φ's bits>".
import { initEngine } from '@l2o/core';
import { metaTrain } from '@l2o/core/node';
import { bullmqExecutor } from '@l2o/distributed';
import { TINY_TASK, phiBits, tinyTrainOptions } from './tiny-run.mjs';

const [url, runId, checkpointPath, resume] = process.argv.slice(2);
await initEngine('wasm');
const executor = bullmqExecutor({ connection: url, runId, task: TINY_TASK, pollMs: 200 });
const result = await metaTrain(
  tinyTrainOptions({
    executor,
    checkpointPath,
    resume: resume === 'resume',
    onProgress: (e) => {
      if (e.kind === 'step') process.stdout.write(`step ${e.metaStep}\n`);
      if (e.kind === 'checkpoint') process.stdout.write(`checkpoint ${e.epoch}\n`);
    },
  }),
);
await executor.close();
process.stdout.write(`phi ${JSON.stringify(phiBits(result.lastMetaParams))}\n`);
process.exit(0);
