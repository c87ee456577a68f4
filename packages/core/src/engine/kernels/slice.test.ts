import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const cases: Array<{ shape: number[]; begin: number[]; size: number[] }> = [
  { shape: [37, 11], begin: [3, 2], size: [20, 7] },
  { shape: [37, 11], begin: [5, 0], size: [9, 11] }, // contiguous rows
  { shape: [37, 80], begin: [0, 40], size: [-1, 20] }, // long runs
  { shape: [5, 7, 9], begin: [1, 2, 3], size: [3, 4, 5] },
  { shape: [4, 5, 6, 7], begin: [1, 0, 2, 0], size: [2, 5, 3, 7] },
  { shape: [3, 4, 5, 6, 3], begin: [1, 1, 1, 1, 1], size: [2, 2, 3, 4, 2] }, // rank 5
  { shape: [13], begin: [4], size: [6] },
  { shape: [6, 3], begin: [2, 1], size: [0, 2] }, // empty
];

describe('wasm Slice kernel', () => {
  it.each(cases)('matches cpu: slice $shape at $begin size $size', async ({ shape, begin, size }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = randomValues(n, 7);
    const { wasm, cpu } = await onWasmAndCpu(() => tf.slice(tf.tensor(vals, shape), begin, size));
    expectClose(wasm, cpu, 0, 0);
  });

  it('keeps int32 and bool exact, and NaN payloads in float32', async () => {
    const ints = Array.from({ length: 60 }, (_, i) => i * 7919 - 100000);
    const { wasm, cpu } = await onWasmAndCpu(() => [
      tf.slice(tf.tensor(ints, [6, 10], 'int32'), [1, 3], [4, 5]),
      tf.slice(
        tf.tensor(
          ints.map((v) => v % 3 === 0),
          [6, 10],
          'bool',
        ),
        [2, 1],
        [3, 8],
      ),
      tf.slice(tf.tensor([1, NaN, 3, Infinity, -0, 6], [2, 3]), [0, 1], [2, 2]),
    ]);
    expectClose(wasm, cpu, 0, 0);
  });

  it('falls back to the stock kernel for strings', async () => {
    const s = tf.tensor(['a', 'b', 'c', 'd'], [2, 2], 'string');
    const out = tf.slice(s, [0, 1], [2, 1]);
    expect(await out.array()).toEqual([['b'], ['d']]);
    tf.dispose([s, out]);
  });

  it('has a gradient that matches cpu', async () => {
    const vals = randomValues(5 * 9, 3);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grad((x: tf.Tensor) => tf.slice(x, [1, 2], [3, 5]).square().sum())(tf.tensor(vals, [5, 9])),
    );
    expectClose(wasm, cpu);
  });
});
