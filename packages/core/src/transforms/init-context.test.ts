import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from '../adam.js';
import { initEngine } from '../engine/engine.js';
import type { InitContext, Optimizer } from '../types.js';
import { chain } from './chain.js';
import { mapState } from './map-state.js';
import { masked } from './masked.js';
import { partitionOptimizer } from './partition-optimizer.js';
import { sumOf } from './sum-of.js';
import { probe } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

type Seen = Array<{ keys: string[]; context: InitContext | undefined }>;

describe('every combinator passes InitContext on to its parts', () => {
  const context: InitContext = { totalSteps: 250 };
  const cases: Array<[string, (seen: Seen) => Optimizer, string[][]]> = [
    [
      'chain',
      (seen) => chain(probe(seen), probe(seen)),
      [
        ['b', 'w'],
        ['b', 'w'],
      ],
    ],
    ['masked', (seen) => masked(probe(seen), /^w$/), [['w']]],
    [
      'partitionOptimizer',
      (seen) =>
        partitionOptimizer({
          groups: [
            { name: 'weights', match: /^w$/, optimizer: probe(seen) },
            { name: 'biases', match: /^b$/, optimizer: probe(seen) },
          ],
        }),
      [['w'], ['b']],
    ],
    [
      'sumOf',
      (seen) => sumOf({ base: probe(seen), learned: probe(seen) }),
      [
        ['b', 'w'],
        ['b', 'w'],
      ],
    ],
    ['mapState', (seen) => mapState(probe(seen), { toInner: (s) => s, toOuter: (s) => s }), [['b', 'w']]],
    [
      'nested: chain(masked(sumOf(…)), partitionOptimizer(chain(…)))',
      (seen) =>
        chain(
          masked(sumOf({ a: probe(seen) }), /^w$/),
          partitionOptimizer({ groups: [{ name: 'all', match: /./, optimizer: chain(probe(seen)) }] }),
        ),
      [['w'], ['b', 'w']],
    ],
  ];
  for (const [name, make, keys] of cases) {
    it(name, () => {
      const seen: Seen = [];
      const p = { w: tf.zeros([2]), b: tf.zeros([1]) };
      const opt = make(seen);
      tf.dispose(opt.init(p, context));
      expect(seen.map((s) => s.keys)).toEqual(keys);
      for (const s of seen) expect(s.context).toBe(context);
      seen.length = 0;
      tf.dispose(opt.init(p));
      for (const s of seen) expect(s.context).toBeUndefined();
      tf.dispose(Object.values(p));
    });
  }

  it('adam (a chain behind mapState) takes a context and ignores it', () => {
    const p = { w: tf.zeros([2]) };
    const s = adam({ learningRate: 0.1 }).init(p, context);
    expect(s.step).toBe(0);
    tf.dispose([p, s] as tf.TensorContainer);
  });
});
