import { beforeAll, describe, it } from 'vitest';
import { initEngine } from '@l2o/core';
import { registerConformance } from '@l2o/core/testing';
import { adam, nag, rmsprop, sgd } from './index.js';

beforeAll(async () => {
  await initEngine('wasm');
});

registerConformance({ name: 'sgd', make: () => sgd({ learningRate: 0.1 }) }, { describe, it });
registerConformance({ name: 'nag', make: () => nag({ learningRate: 0.05 }) }, { describe, it });
registerConformance({ name: 'rmsprop', make: () => rmsprop({ learningRate: 0.03 }) }, { describe, it });
registerConformance({ name: 'adam', make: () => adam({ learningRate: 0.1 }) }, { describe, it });
