import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { lossScaledFamily } from './loss-scaled-family.js';
import { mixtureFamily } from './mixture-family.js';
import {
  optimizeeConformanceChecks,
  registerOptimizeeConformance,
  type OptimizeeConformanceSubject,
} from './optimizee-conformance.js';
import { reparameterizedFamily } from './reparameterized-family.js';
import type { Rng } from './rng.js';
import { conformanceQuadraticFamily } from './testing.js';
import type { Optimizee, OptimizeeFamily, TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/**
 * A least-squares family, mean over a batch of (x·w − y)², with `tweak`s that break one property at a time: a
 * gradient off by `gradScale` (−1: a wrong sign, 0.5: a missing factor 2), a leaked tensor per loss, an
 * unseeded draw, a non-scalar loss.
 */
function leastSquares(
  tweak: { gradScale?: number; leak?: boolean; unseeded?: boolean; vectorLoss?: boolean } = {},
): OptimizeeFamily<{ x: tf.Tensor2D; y: tf.Tensor1D }> {
  const leaked: tf.Tensor[] = [];
  return {
    name: 'least-squares',
    sample(rng: Rng): Optimizee<{ x: tf.Tensor2D; y: tf.Tensor1D }> {
      const target = tf.tensor1d(rng.normalArray(5));
      return {
        name: 'least-squares',
        init: (r: Rng) => ({
          w: tf.tensor1d(tweak.unseeded ? Float32Array.from({ length: 5 }, Math.random) : r.normalArray(5)),
        }),
        sampleBatch: (r: Rng) => {
          const x = tf.tensor2d(r.normalArray(40), [8, 5]);
          const y = tf.tidy(() => tf.squeeze(tf.matMul(x, tf.reshape(target, [5, 1])), [1])) as tf.Tensor1D;
          return { x, y };
        },
        loss: (p: TensorMap, b) => {
          if (tweak.leak) leaked.push(tf.keep(tf.zeros([1])));
          const f = tf.customGrad((...args: unknown[]) => {
            const w = args[0] as tf.Tensor;
            const save = args[1] as (t: tf.Tensor[]) => void;
            const r = tf.sub(tf.squeeze(tf.matMul(b.x, tf.reshape(w, [5, 1])), [1]), b.y);
            save([r]);
            const value = tweak.vectorLoss ? tf.square(r) : tf.mean(tf.square(r));
            return {
              value,
              gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
                const g = tf.mul(2 / 8, tf.squeeze(tf.matMul(tf.reshape(saved[0]!, [1, 8]), b.x), [0]));
                return tf.mul(tf.mul(dy, tweak.gradScale ?? 1), g);
              },
            };
          });
          return f(p['w']!) as tf.Scalar;
        },
        dispose: () => target.dispose(),
      };
    },
  };
}

async function failures(subject: OptimizeeConformanceSubject): Promise<string[]> {
  const out: string[] = [];
  for (const c of optimizeeConformanceChecks(subject)) {
    try {
      await c.run();
    } catch (e) {
      out.push(`${c.name.replace(`${subject.name}: `, '')} → ${(e as Error).message}`);
    }
  }
  return out;
}

describe('optimizee conformance suite', () => {
  it('passes a correct family', async () => {
    expect(await failures({ name: 'ok', make: () => leastSquares() })).toEqual([]);
  });

  it('catches a wrong sign and a missing factor 2 in the gradient', async () => {
    for (const gradScale of [-1, 0.5, 2]) {
      const f = await failures({ name: 'bad', make: () => leastSquares({ gradScale }) });
      expect(f, String(gradScale)).toHaveLength(1);
      expect(f[0]).toMatch(/^gradients match central finite differences → ∂loss\/∂w\[\d\] is .* by autodiff/);
    }
  });

  it('catches a leak, an unseeded draw and a non-scalar loss', async () => {
    const leak = await failures({ name: 'bad', make: () => leastSquares({ leak: true }) });
    expect(leak).toHaveLength(1);
    expect(leak[0]).toMatch(/leave no tensor behind → tf.memory\(\).numTensors grew from \d+ to \d+ over 3 problems/);
    const unseeded = await failures({ name: 'bad', make: () => leastSquares({ unseeded: true }) });
    expect(unseeded[0]).toMatch(/same seed .* → two draws with one seed gave different θ₀/);
    const vector = await failures({ name: 'bad', make: () => leastSquares({ vectorLoss: true }) });
    expect(vector.some((m) => m.includes('the loss has shape [8], expected []'))).toBe(true);
  });

  it('checks that bad options throw an L2oError with the right code naming the field', async () => {
    const subject = (make: () => unknown): OptimizeeConformanceSubject => ({
      name: 'opts',
      make: () => leastSquares(),
      badOptions: [{ field: 'range', make }],
    });
    expect(await failures(subject(() => lossScaledFamily(leastSquares(), [2, 1])))).toEqual([]);
    expect(await failures(subject(() => 1))).toEqual([
      'bad options are refused with an L2oError naming the field → options with a wrong range were accepted',
    ]);
    const plain = await failures(
      subject(() => {
        throw new TypeError('range is wrong');
      }),
    );
    expect(plain[0]).toMatch(/expected an L2oError with code INVALID_OPTION, got TypeError: range is wrong/);
  });
});

registerOptimizeeConformance(
  {
    name: 'mixtureFamily',
    make: () =>
      mixtureFamily([
        { family: conformanceQuadraticFamily(), weight: 1 },
        { family: leastSquares(), weight: 2 },
      ] as never),
    badOptions: [{ field: 'components', make: () => mixtureFamily([]) }],
  },
  { describe, it },
);

registerOptimizeeConformance(
  {
    name: 'reparameterizedFamily',
    make: () => reparameterizedFamily(leastSquares(), { level: 'parameter', range: [0.1, 10] }),
    badOptions: [
      { field: 'level', make: () => reparameterizedFamily(leastSquares(), { level: 'nope' as never, range: [1, 2] }) },
      { field: 'range', make: () => reparameterizedFamily(leastSquares(), { level: 'tensor', range: [2, 1] }) },
    ],
  },
  { describe, it },
);

registerOptimizeeConformance(
  {
    name: 'lossScaledFamily',
    make: () => lossScaledFamily(leastSquares(), [0.01, 100]),
    badOptions: [{ field: 'range', make: () => lossScaledFamily(leastSquares(), [0, 1]) }],
  },
  { describe, it },
);
