import { initEngine } from '@l2o/core';
import { registerOptimizeeConformance } from '@l2o/core/testing';
import { beforeAll, describe, it } from 'vitest';
import { attentionModel } from './attention-model.js';
import { copyTask } from './copy-task.js';
import { markovTask } from './markov-task.js';
import { rnnModel } from './rnn-model.js';
import { sequenceFamily } from './sequence-family.js';

beforeAll(async () => {
  await initEngine('wasm');
});

registerOptimizeeConformance(
  {
    name: 'sequence: markov + rnn',
    make: () =>
      sequenceFamily({ task: markovTask({ vocab: 4, length: 6 }), model: rnnModel({ hidden: 5 }), batchSize: 4 }),
    badOptions: [
      { field: '.task', make: () => sequenceFamily({ task: {} as never, model: rnnModel() }) },
      { field: '.vocab', make: () => markovTask({ vocab: 0 }) },
      { field: '.hidden', make: () => rnnModel({ hidden: -1 }) },
    ],
  },
  { describe, it },
);

registerOptimizeeConformance(
  {
    name: 'sequence: copy + attention',
    make: () => sequenceFamily({ task: copyTask(), model: attentionModel({ width: 6 }), batchSize: 4 }),
    badOptions: [{ field: '.width', make: () => attentionModel({ width: 0 }) }],
  },
  { describe, it },
);
