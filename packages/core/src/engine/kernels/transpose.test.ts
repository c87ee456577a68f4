import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';
import { blockSwap } from './transpose.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('blockSwap', () => {
  it('recognizes a swap of two runs of axes after a fixed prefix as a batch of matrix transposes', () => {
    expect(blockSwap([5, 7], [1, 0])).toEqual({ batch: 1, rows: 5, cols: 7 });
    expect(blockSwap([2, 3, 5, 7], [0, 1, 3, 2])).toEqual({ batch: 6, rows: 5, cols: 7 });
    expect(blockSwap([2, 3, 5, 7], [0, 2, 3, 1])).toEqual({ batch: 2, rows: 3, cols: 35 }); // NCHW → NHWC
    expect(blockSwap([2, 3, 5, 7], [0, 3, 1, 2])).toEqual({ batch: 2, rows: 15, cols: 7 }); // NHWC → NCHW
    expect(blockSwap([2, 3, 5, 7], [2, 3, 0, 1])).toEqual({ batch: 1, rows: 6, cols: 35 });
    expect(blockSwap([2, 5, 7], [1, 0, 2])).toBeUndefined();
    expect(blockSwap([2, 5, 7], [2, 1, 0])).toBeUndefined();
    expect(blockSwap([2, 3, 5, 7], [0, 2, 1, 3])).toBeUndefined();
    expect(blockSwap([2, 5], [0, 1])).toBeUndefined();
    expect(blockSwap([7], [0])).toBeUndefined();
  });
});

describe('wasm Transpose kernel', () => {
  // Sides that are and are not multiples of the 4 × 4 blocks and of the 32 × 32 tiles.
  const cases: Array<{ shape: number[]; perm: number[] }> = [
    { shape: [128, 784], perm: [1, 0] },
    { shape: [37, 70], perm: [1, 0] },
    { shape: [1, 9], perm: [1, 0] },
    { shape: [3, 33, 5], perm: [0, 2, 1] },
    { shape: [2, 2, 6, 31], perm: [0, 1, 3, 2] },
    { shape: [3, 5, 6, 4], perm: [0, 2, 3, 1] }, // NCHW → NHWC
    { shape: [3, 5, 6, 4], perm: [0, 3, 1, 2] }, // NHWC → NCHW
    { shape: [4, 6, 5], perm: [2, 0, 1] },
    { shape: [4, 6, 5, 3], perm: [0, 2, 1, 3] }, // not a batch of matrix transposes: the stock kernel
  ];
  it.each(cases)('matches cpu: shape $shape, perm $perm', async ({ shape, perm }) => {
    const v = randomValues(
      shape.reduce((a, b) => a * b, 1),
      31,
    );
    const { wasm, cpu } = await onWasmAndCpu(() => tf.transpose(tf.tensor(v, shape), perm));
    expectClose(wasm, cpu, 0, 0);
    expect(wasm[0]!.shape).toEqual(perm.map((p) => shape[p]));
  });

  it('copies bits: int32 extremes and NaN payloads come through unchanged', async () => {
    const bits = new Int32Array([0x7fc00001, 0x7fa00002, -1, 0x00000001]); // two NaN payloads, NaN, a denormal
    const [ints, floats] = tf.tidy(() => [
      Array.from(tf.transpose(tf.tensor([2147483647, -2147483648, 0, -1, 7, 8], [2, 3], 'int32')).dataSync()),
      Array.from(
        new Int32Array(
          (tf.transpose(tf.tensor(new Float32Array(bits.buffer), [2, 2])).dataSync() as Float32Array).buffer,
        ),
      ),
    ]);
    expect(ints).toEqual([2147483647, -1, -2147483648, 7, 0, 8]);
    expect(floats).toEqual([0x7fc00001, -1, 0x7fa00002, 0x00000001]);
  });

  it("matches cpu through a matrix product's gradient", async () => {
    const va = randomValues(128 * 50, 32);
    const vb = randomValues(128 * 20, 33);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, true, false).square().sum())([
        tf.tensor(va, [128, 50]),
        tf.tensor(vb, [128, 20]),
      ]),
    );
    expectClose(wasm, cpu, 1e-4, 1e-5);
  });
});
