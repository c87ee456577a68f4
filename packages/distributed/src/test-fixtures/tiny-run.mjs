// A tiny meta-training run shared by the tests and the worker/learner processes they start (plain JS, so that a
// child `node` process can import it next to the built packages).
import { conformanceQuadraticFamily } from '@l2o/core/testing';
import { lstmOptimizer } from '@l2o/optimizer-lstm';

export const TINY_TASK = { kind: 'tiny-lstm-quadratic', hidden: 4 };

/** The worker's `resolveRun` for {@link TINY_TASK}. */
export function resolveTinyRun(task) {
  if (task.kind !== TINY_TASK.kind) throw new Error(`unknown task kind ${String(task.kind)}`);
  return { learned: lstmOptimizer({ hiddenSizes: [task.hidden] }), family: conformanceQuadraticFamily() };
}

/** metaTrain options of the tiny run: 3 epochs of 2 meta-steps, 3 tasks per step, validated every epoch. */
export function tinyTrainOptions(over = {}) {
  const { learned, family } = resolveTinyRun(TINY_TASK);
  return {
    learned,
    family,
    seed: 3,
    epochs: 3,
    metaStepsPerEpoch: 2,
    unroll: 5,
    horizon: 10,
    tasksPerStep: 3,
    validationProblems: 1,
    validationHorizon: 5,
    validateEvery: 1,
    metaLearningRate: 0.01,
    ...over,
  };
}

/** φ as the bit patterns of its float32 elements, per tensor (exact comparison). */
export function phiBits(phi) {
  const out = {};
  for (const k of Object.keys(phi).sort())
    out[k] = Array.from(new Uint32Array(Float32Array.from(phi[k].dataSync()).buffer));
  return out;
}
