import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const cases: Array<{
  x: [number, number, number, number];
  k: number | [number, number];
  s: number | [number, number];
  pad: 'same' | 'valid';
}> = [
  { x: [2, 8, 8, 16], k: 2, s: 2, pad: 'same' }, // the CNN's pooling
  { x: [3, 7, 9, 3], k: 2, s: 2, pad: 'same' }, // odd sides: the last window is cut by padding
  { x: [2, 9, 7, 5], k: 3, s: 2, pad: 'valid' }, // overlapping windows: gradients add up
  { x: [1, 6, 11, 2], k: [3, 2], s: [1, 3], pad: 'same' },
];

describe('wasm MaxPoolGrad kernel', () => {
  it.each(cases)('matches cpu through tf.grad: x $x, window $k, strides $s, pad $pad', async ({ x, k, s, pad }) => {
    const n = x.reduce((a, b) => a * b, 1);
    const vx = randomValues(n, 21);
    const vg = randomValues(n, 22);
    const { wasm, cpu } = await onWasmAndCpu(() => {
      const up = tf.tensor(vg, x);
      // Weighted so every pooled output carries its own adjoint.
      return tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, k, s, pad), tf.maxPool(up as tf.Tensor4D, k, s, pad))),
      )(tf.tensor(vx, x));
    });
    expectClose(wasm, cpu, 1e-6, 1e-6);
  });

  it('sends a tie to the first maximum of the window, as the cpu backend', async () => {
    const vx = [1, 1, 2, 2, 1, 1, 2, 2, 3, 0, 0, 0, 3, 3, 0, 0]; // every window is a tie
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor(vx, [1, 4, 4, 1])),
    );
    expectClose(wasm, cpu, 0, 0);
    expect(wasm[0]!.values.filter((v) => v !== 0)).toHaveLength(4);
  });
});
