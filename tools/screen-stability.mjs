#!/usr/bin/env node
// Stability screen of a learned optimizer on the benchmark suite's validation split (never the test split): every
// validation task at its own length and at 10× that length, counting the runs that diverge as the benchmark counts
// them (runDiverged: a non-finite loss, or a final loss above 10× the first). Deterministic tasks run 50 problems,
// minibatch tasks 20 (6 at 10×). Used to check candidate presets before one is chosen (docs/results/general/README.md,
// "Seed choice").
//   node tools/screen-stability.mjs <optimizer-folder | preset:NAME> [more…]
// Build first (npm run build). Exits 1 when any run diverged.
import { evaluate, initEngine, optimizerForEvaluation } from '@l2o/core';
import { defaultSuite, runDiverged } from '@l2o/benchmark';
import { loadHyperPreset } from '@l2o/optimizer-hyper';
import { loadHyperOptimizer } from '@l2o/optimizer-hyper/node';

const sources = process.argv.slice(2);
if (sources.length === 0) {
  console.error('usage: node tools/screen-stability.mjs <optimizer-folder | preset:NAME> [more…]');
  process.exit(2);
}
await initEngine('wasm');
const tasks = defaultSuite().tasks.filter((t) => t.split === 'validation');
let anyDiverged = false;
for (const source of sources) {
  const { learned, metaParams } = source.startsWith('preset:')
    ? loadHyperPreset(source.slice('preset:'.length))
    : loadHyperOptimizer(source);
  const optimizer = optimizerForEvaluation(learned, metaParams);
  for (const task of tasks) {
    for (const factor of [1, 10]) {
      const problems = task.batchSize === null ? 50 : factor === 1 ? 20 : 6;
      const steps = task.steps * factor;
      // Problems apart from the benchmark's own runs of the task (seed, seed + 1).
      const result = await evaluate({
        family: task.family('validation'),
        optimizers: [{ name: source, optimizer }],
        problems,
        steps,
        seed: task.seed + 7_777,
      });
      let diverged = 0;
      let worst = 0;
      for (const losses of result.curves[0].losses) {
        const sawNonFinite = losses.some((x) => !Number.isFinite(x));
        if (runDiverged(losses[0], losses[steps], sawNonFinite, 10)) diverged++;
        worst = Math.max(worst, losses[steps] / losses[0]);
      }
      anyDiverged ||= diverged > 0;
      console.log(
        `${source}  ${task.id} ×${factor}: ${diverged} of ${problems} diverged (largest final/initial ${worst.toPrecision(3)})`,
      );
    }
  }
}
process.exit(anyDiverged ? 1 : 0);
