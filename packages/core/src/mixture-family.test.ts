import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { mixtureFamily } from './mixture-family.js';
import { Rng } from './rng.js';
import type { Optimizee, OptimizeeFamily } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** A family whose problems are named after it and record the first uniform of the rng they were drawn with. */
function tagged(name: string): OptimizeeFamily<null> {
  return {
    name,
    sample(rng): Optimizee<null> {
      const u = rng.uniform();
      return {
        name: `${name}:${u}`,
        init: () => ({ x: tf.scalar(u) }),
        sampleBatch: () => null,
        loss: (p) => tf.tidy(() => tf.square(p['x']!)) as tf.Scalar,
      };
    },
  };
}

describe('mixtureFamily', () => {
  it('draws each component with probability proportional to its weight', () => {
    const mix = mixtureFamily([
      { family: tagged('a'), weight: 1 },
      { family: tagged('b'), weight: 3 },
      { family: tagged('c'), weight: 0.5 },
    ]);
    expect(mix.name).toBe('mixture(a:1, b:3, c:0.5)');
    const n = 9000;
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < n; i++) counts[mix.sample(Rng.seeded(11, i)).name.split(':')[0]!]!++;
    for (const [k, w] of [
      ['a', 1],
      ['b', 3],
      ['c', 0.5],
    ] as const) {
      const p = w / 4.5;
      // Binomial counts: within 4 standard deviations of n·p.
      expect(Math.abs(counts[k]! - n * p)).toBeLessThan(4 * Math.sqrt(n * p * (1 - p)));
    }
  });

  it('is deterministic for a given rng, and the problem is drawn from the rng after the pick', () => {
    const mix = mixtureFamily([
      { family: tagged('a'), weight: 1 },
      { family: tagged('b'), weight: 1 },
    ]);
    expect(mix.sample(Rng.seeded(3)).name).toBe(mix.sample(Rng.seeded(3)).name);
    const r = Rng.seeded(3);
    const pick = r.uniform() < 0.5 ? 'a' : 'b';
    expect(mix.sample(Rng.seeded(3)).name).toBe(`${pick}:${r.uniform()}`);
  });

  it('rejects bad components, naming the field', () => {
    expect(() => mixtureFamily([])).toThrow(/mixtureFamily: components must be a non-empty array/);
    expect(() => mixtureFamily([{ family: tagged('a'), weight: 0 }])).toThrow(/components\[0\]\.weight.*> 0/);
    expect(() =>
      mixtureFamily([
        { family: tagged('a'), weight: 1 },
        { family: tagged('b'), weight: NaN },
      ]),
    ).toThrow(/components\[1\]\.weight/);
    expect(() => mixtureFamily([{ family: {} as OptimizeeFamily<null>, weight: 1 }])).toThrow(
      /components\[0\]\.family/,
    );
  });
});
