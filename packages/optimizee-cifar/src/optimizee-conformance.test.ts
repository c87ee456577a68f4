import { initEngine, Rng } from '@l2o/core';
import { registerOptimizeeConformance } from '@l2o/core/testing';
import { beforeAll, describe, it } from 'vitest';
import { cifarCnnFamily } from './cnn-family.js';
import type { ImageDataset } from './dataset.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** 24 random 8×8 RGB images of 3 classes: enough for a conv net's gradients, cheap to run. */
function tinyImages(): ImageDataset {
  const rng = Rng.seeded(5);
  return {
    name: 'tiny',
    size: 24,
    height: 8,
    width: 8,
    channels: 3,
    images: rng.uniformArray(24 * 8 * 8 * 3),
    labels: Uint8Array.from({ length: 24 }, (_, i) => i % 3),
    numClasses: 3,
    classNames: ['a', 'b', 'c'],
  };
}

for (const batchNorm of [false, true]) {
  registerOptimizeeConformance(
    {
      name: `cifarCnn (batchNorm: ${batchNorm})`,
      // ReLU and max-pool kinks: a step of 1e-2 can cross one; 1e-3 keeps the central difference on one side.
      finiteDifferenceStep: 1e-3,
      make: () =>
        cifarCnnFamily(tinyImages(), {
          convChannels: [3, 2],
          kernelSize: 3,
          fcHidden: [4],
          batchSize: 6,
          weightInit: 'he',
          batchNorm,
        }),
      badOptions: [
        { field: 'cifarCnn.batchNorm', make: () => cifarCnnFamily(tinyImages(), { batchNorm: 1 as never }) },
        { field: 'cifarCnn.bnEpsilon', make: () => cifarCnnFamily(tinyImages(), { bnEpsilon: 0 }) },
        { field: 'cifarCnn.batchSize', make: () => cifarCnnFamily(tinyImages(), { batchSize: 0 }) },
      ],
    },
    { describe, it },
  );
}
