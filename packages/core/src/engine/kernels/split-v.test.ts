import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const cases: Array<{ shape: number[]; splits: number | number[]; axis: number }> = [
  { shape: [31, 80], splits: 4, axis: 1 },
  { shape: [31, 22], splits: [2, 20], axis: 1 },
  { shape: [31, 9], splits: [3, -1, 1], axis: -1 },
  { shape: [12, 5], splits: [5, 7], axis: 0 },
  { shape: [3, 8, 5], splits: [1, 0, 6, 1], axis: 1 },
  { shape: [2, 3, 4, 6], splits: 3, axis: 3 },
];

describe('wasm SplitV kernel', () => {
  it.each(cases)('matches cpu: split $shape by $splits on axis $axis', async ({ shape, splits, axis }) => {
    const vals = randomValues(
      shape.reduce((a, b) => a * b, 1),
      11,
    );
    const { wasm, cpu } = await onWasmAndCpu(() => tf.split(tf.tensor(vals, shape), splits, axis));
    expectClose(wasm, cpu, 0, 0);
  });

  it('splits int32 and bool exactly', async () => {
    const ints = Array.from({ length: 42 }, (_, i) => (i * 104729) % 1000003);
    const { wasm, cpu } = await onWasmAndCpu(() => [
      ...tf.split(tf.tensor(ints, [7, 6], 'int32'), [1, 5], 1),
      ...tf.split(
        tf.tensor(
          ints.map((v) => v % 2 === 1),
          [7, 6],
          'bool',
        ),
        3,
        1,
      ),
    ]);
    expectClose(wasm, cpu, 0, 0);
  });

  it('has a gradient (concat of the pieces) that matches cpu', async () => {
    const vals = randomValues(9 * 12, 5);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grad((x: tf.Tensor) => {
        const [a, b, c] = tf.split(x, [3, 4, 5], 1);
        return a!.sum().add(b!.square().sum()).add(c!.mul(3).sum());
      })(tf.tensor(vals, [9, 12])),
    );
    expectClose(wasm, cpu);
  });
});
