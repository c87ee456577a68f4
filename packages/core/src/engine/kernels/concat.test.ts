import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const cases: Array<{ shapes: number[][]; axis: number }> = [
  {
    shapes: [
      [29, 2],
      [29, 20],
    ],
    axis: 1,
  },
  {
    shapes: [
      [29, 30],
      [29, 40],
      [29, 1],
    ],
    axis: 1,
  }, // long and short rows
  {
    shapes: [
      [3, 5],
      [7, 5],
    ],
    axis: 0,
  },
  {
    shapes: [
      [2, 3, 4],
      [2, 5, 4],
      [2, 1, 4],
    ],
    axis: 1,
  },
  {
    shapes: [
      [2, 3, 4],
      [2, 3, 1],
    ],
    axis: -1,
  },
  {
    shapes: [
      [2, 3, 4, 5],
      [2, 3, 4, 5],
    ],
    axis: 2,
  },
  {
    shapes: [
      [4, 3],
      [4, 0],
      [4, 2],
    ],
    axis: 1,
  }, // an empty input
  {
    shapes: [
      [4, 0],
      [4, 3],
    ],
    axis: 1,
  }, // one non-empty input
  { shapes: [[7], [3], [5]], axis: 0 },
];

describe('wasm Concat kernel', () => {
  it.each(cases)('matches cpu: concat $shapes on axis $axis', async ({ shapes, axis }) => {
    const vals = shapes.map((s, i) =>
      randomValues(
        s.reduce((a, b) => a * b, 1),
        20 + i,
      ),
    );
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.concat(
        shapes.map((s, i) => tf.tensor(vals[i]!, s)),
        axis,
      ),
    );
    expectClose(wasm, cpu, 0, 0);
  });

  it('concatenates int32 and bool exactly', async () => {
    const ints = Array.from({ length: 24 }, (_, i) => i * 1234567 - 9999999);
    const { wasm, cpu } = await onWasmAndCpu(() => [
      tf.concat([tf.tensor(ints.slice(0, 8), [4, 2], 'int32'), tf.tensor(ints.slice(8), [4, 4], 'int32')], 1),
      tf.concat([tf.tensor([true, false], [2, 1], 'bool'), tf.tensor([false, true, true, true], [2, 2], 'bool')], 1),
    ]);
    expectClose(wasm, cpu, 0, 0);
  });

  it('falls back to the stock kernel for strings', async () => {
    const a = tf.tensor(['a', 'b'], [2, 1], 'string');
    const b = tf.tensor(['c', 'd'], [2, 1], 'string');
    const out = tf.concat([a, b], 1);
    expect(await out.array()).toEqual([
      ['a', 'c'],
      ['b', 'd'],
    ]);
    tf.dispose([a, b, out]);
  });

  it('has a gradient (slices) that matches cpu', async () => {
    const va = randomValues(6 * 2, 1);
    const vb = randomValues(6 * 5, 2);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .concat([a, b], 1)
          .square()
          .mul(tf.range(0, 7).reshape([1, 7]))
          .sum(),
      )([tf.tensor(va, [6, 2]), tf.tensor(vb, [6, 5])]),
    );
    expectClose(wasm, cpu);
  });
});
