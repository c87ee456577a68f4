import { beforeAll, describe, it } from 'vitest';
import { adam } from '../adam.js';
import { initEngine } from '../engine/engine.js';
import { warmupCosineDecaySchedule } from '../schedules/warmup-cosine-decay.js';
import { conformanceChecks, registerConformance } from '../testing.js';
import type { Optimizer } from '../types.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { chain } from './chain.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { masked } from './masked.js';
import { partitionOptimizer } from './partition-optimizer.js';
import { scale } from './scale.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRms } from './scale-by-rms.js';
import { sumOf } from './sum-of.js';
import { trace } from './trace.js';

beforeAll(async () => {
  await initEngine('cpu');
});

// Transforms on their own carry no sign or step size, so they need not descend: every check but descent.
const transforms: Array<[string, () => Optimizer]> = [
  ['scaleByAdam', () => scaleByAdam()],
  ['scaleByRms (centered)', () => scaleByRms({ centered: true })],
  ['trace (Nesterov)', () => trace({ decay: 0.9, nesterov: true })],
  ['trace', () => trace({ decay: 0.9 })],
  ['scaleByLearningRate (schedule)', () => scaleByLearningRate((t) => 0.1 / (1 + t))],
  ['scale', () => scale(0.5)],
  ['clipByGlobalNorm', () => clipByGlobalNorm(0.1)],
  ['addDecayedWeights (masked)', () => addDecayedWeights(0.1, /^w$/)],
  ['masked(scaleByAdam)', () => masked(scaleByAdam(), /^b$/)],
];
for (const [name, make] of transforms) {
  describe(`conformance: ${name}`, () => {
    for (const c of conformanceChecks({ name, make })) {
      if (/lowers the loss/.test(c.name)) continue;
      it(c.name, () => c.run());
    }
  });
}

// Chains and combinators are whole optimizers: every check, descent included.
const optimizers: Array<[string, () => Optimizer]> = [
  [
    'AdamW with warm-up + cosine',
    () =>
      chain(
        scaleByAdam(),
        addDecayedWeights(1e-3),
        scaleByLearningRate(warmupCosineDecaySchedule({ peakValue: 0.3, warmupSteps: 3, decaySteps: 30, floor: 0.1 })),
      ),
  ],
  [
    'clipped Nesterov momentum',
    () => chain(clipByGlobalNorm(1), trace({ decay: 0.5, nesterov: true }), scaleByLearningRate(0.3)),
  ],
  [
    'RMSprop with momentum (TF form)',
    () => chain(scaleByRms({ numeratorScale: 0.05 }), trace({ decay: 0.5 }), scale(-1)),
  ],
  [
    'partition of two chains',
    () =>
      partitionOptimizer({
        groups: [
          { name: 'w', match: /^w$/, optimizer: chain(scaleByAdam(), scaleByLearningRate(0.1)) },
          { name: 'b', match: /^b$/, optimizer: chain(trace({ decay: 0.5 }), scaleByLearningRate(0.3)) },
        ],
      }),
  ],
  [
    'sumOf adam and a scaled gradient step',
    () => sumOf({ adam: adam({ learningRate: 0.1 }), sgd: scaleByLearningRate(0.1) }),
  ],
];
for (const [name, make] of optimizers) registerConformance({ name, make }, { describe, it });
