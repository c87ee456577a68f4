import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

type Pad = 'same' | 'valid' | number;
const cases: Array<{
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: number | [number, number];
  pad: Pad;
  d?: number;
}> = [
  { x: [2, 12, 12, 3], f: [5, 5, 3, 16], s: 1, pad: 'same' }, // the CNN's first layer
  { x: [3, 7, 9, 16], f: [5, 5, 16, 16], s: 1, pad: 'same' }, // odd sides: border pixels and pairs
  { x: [2, 9, 8, 5], f: [3, 3, 5, 21], s: 1, pad: 'valid' }, // 16 + 4 + 1 output channels
  { x: [2, 11, 10, 4], f: [3, 2, 4, 6], s: 2, pad: 'same' }, // stride 2: dx from the stock kernel
  { x: [1, 13, 9, 2], f: [5, 3, 2, 32], s: [2, 3], pad: 'valid' },
  { x: [2, 6, 7, 3], f: [3, 3, 3, 16], s: 1, pad: 2 }, // explicit numeric padding
  { x: [1, 3, 4, 2], f: [5, 5, 2, 16], s: 1, pad: 'same' }, // filter larger than the image
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: 1, pad: 'same', d: 2 }, // dilation 2: the stock kernel (value only)
];

describe('wasm Conv2D and Conv2DBackpropInput kernels', () => {
  it.each(cases)(
    'match cpu: value and both gradients, x $x, filter $f, strides $s, pad $pad',
    async ({ x, f, s, pad, d }) => {
      const vx = randomValues(
        x.reduce((a, b) => a * b, 1),
        41,
      );
      const vw = randomValues(
        f.reduce((a, b) => a * b, 1),
        42,
      );
      const { wasm, cpu } = await onWasmAndCpu(() => {
        const xt = tf.tensor4d(vx, x);
        const wt = tf.tensor4d(vw, f);
        const y = tf.conv2d(xt, wt, s, pad, 'NHWC', d ?? 1);
        if (d) return [y]; // tfjs has no gradient for dilated convolutions
        const up = tf.tensor(randomValues(y.size, 43), y.shape);
        const grads = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, s, pad, 'NHWC', d ?? 1), up)),
        )([xt, wt]);
        return [y, ...grads];
      });
      expectClose(wasm, cpu, 1e-5, 1e-5);
    },
  );

  it('leaves no tensor behind over repeated gradients', () => {
    const x = tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([5, 5, 3, 16]) as tf.Tensor4D;
    const g = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
      tf.sum(tf.conv2d(xi as tf.Tensor4D, wi as tf.Tensor4D, 1, 'same')),
    );
    tf.dispose(g([x, w]));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(g([x, w]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});
