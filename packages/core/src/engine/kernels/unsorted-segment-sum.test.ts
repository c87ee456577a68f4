import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('wasm UnsortedSegmentSum kernel', () => {
  it('matches cpu on float32 rows with repeated, missing and unsorted ids', async () => {
    const vals = randomValues(9 * 4 * 3, 5);
    const ids = [4, 0, 4, 2, 2, 2, 6, 0, 4];
    const { wasm, cpu } = await onWasmAndCpu(() => [
      tf.unsortedSegmentSum(tf.tensor(vals, [9, 4, 3]), tf.tensor1d(ids, 'int32'), 7),
      tf.unsortedSegmentSum(tf.tensor(vals.slice(0, 9), [9]), tf.tensor1d(ids, 'int32'), 8),
    ]);
    expectClose(wasm, cpu);
  });

  it('sums int32 exactly, keeping the dtype, and drops out-of-range ids', async () => {
    const out = tf.unsortedSegmentSum(
      tf.tensor2d(
        [
          [1, 2],
          [3, 4],
          [5, 6],
          [7, 8],
        ],
        [4, 2],
        'int32',
      ),
      tf.tensor1d([1, -1, 1, 3], 'int32'),
      3,
    );
    expect(out.dtype).toBe('int32');
    expect(await out.array()).toEqual([
      [0, 0],
      [6, 8],
      [0, 0],
    ]);
    out.dispose();
  });

  it('makes gather differentiable on wasm (matches cpu)', async () => {
    const table = randomValues(10 * 6, 8);
    const idx = [3, 1, 3, 9, 0, 3];
    const { wasm, cpu } = await onWasmAndCpu(() => [
      tf.grad((t: tf.Tensor) => tf.gather(t, tf.tensor1d(idx, 'int32')).square().sum())(tf.tensor(table, [10, 6])),
      tf.grad((t: tf.Tensor) =>
        tf
          .gather(t, tf.tensor1d([5, 0, 5], 'int32'), 1)
          .mul(2)
          .sum(),
      )(tf.tensor(table, [10, 6])),
    ]);
    expectClose(wasm, cpu);
  });

  it('rejects bad input with a message naming the field', () => {
    expect(() => tf.unsortedSegmentSum(tf.ones([3, 2]), tf.tensor1d([0, 1], 'int32'), 2)).toThrow(/segmentIds\.shape/);
  });
});
