import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { cnnKernels } from './cnn-native.js';
import { createConv2dBackpropFilterKernel } from './conv2d-backprop-filter.js';
import type { WasmBackendLike } from './wasm-heap.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

type Pad = 'same' | 'valid' | number;

/** Runs the Conv2DBackpropFilter kernel of the active backend (tfjs does not export the op). */
function backpropFilter(
  x: tf.Tensor,
  dy: tf.Tensor,
  filterShape: number[],
  strides: number | [number, number],
  pad: Pad,
  dataFormat: 'NHWC' | 'NCHW',
): tf.Tensor {
  return tf
    .engine()
    .runKernel('Conv2DBackpropFilter', { x, dy }, { strides, pad, dataFormat, filterShape }) as tf.Tensor;
}

describe('conv2d gradient w.r.t. the filter on wasm', () => {
  it('matches cpu through tf.grad (strides 2, same padding)', async () => {
    const vx = randomValues(2 * 9 * 9 * 3, 12);
    const vw = randomValues(3 * 3 * 3 * 5, 13);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grad((w: tf.Tensor) =>
        tf
          .conv2d(tf.tensor(vx, [2, 9, 9, 3]) as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')
          .square()
          .sum(),
      )(tf.tensor(vw, [3, 3, 3, 5]) as tf.Tensor4D),
    );
    expectClose(wasm, cpu, 1e-5, 1e-5);
  });
});
const cases: Array<{
  x: [number, number, number, number];
  f: [number, number, number, number];
  s: number | [number, number];
  pad: Pad;
  nchw?: boolean;
}> = [
  { x: [2, 8, 8, 3], f: [3, 3, 3, 4], s: 1, pad: 'same' },
  { x: [2, 9, 7, 3], f: [3, 2, 3, 5], s: 1, pad: 'valid' },
  { x: [3, 11, 10, 2], f: [3, 3, 2, 4], s: 2, pad: 'same' }, // odd sizes, stride 2
  { x: [1, 13, 9, 4], f: [5, 3, 4, 3], s: [2, 3], pad: 'valid' },
  { x: [2, 7, 6, 2], f: [3, 3, 2, 2], s: 1, pad: 2 }, // explicit numeric pad
  { x: [2, 3, 6, 5], f: [2, 2, 3, 4], s: 1, pad: 'same', nchw: true },
  { x: [1, 5, 5, 1], f: [1, 1, 1, 6], s: 1, pad: 'valid' }, // 1×1 filter
  { x: [2, 9, 8, 3], f: [5, 5, 3, 16], s: 1, pad: 'same' }, // the CNN's first layer: 16-wide blocks, odd inC
  { x: [2, 6, 7, 5], f: [3, 3, 5, 21], s: [2, 1], pad: 'valid' }, // 16 + 4 + 1 output channels
  { x: [1, 4, 5, 2], f: [5, 5, 2, 3], s: 1, pad: 'same' }, // filter wider than the image
];

describe('wasm Conv2DBackpropFilter kernel', () => {
  it("runs on l2o's native kernels (instantiated on tfjs's wasm memory)", () => {
    expect(cnnKernels(tf.backend() as unknown as WasmBackendLike)).toBeDefined();
  });

  it.each(cases)('matches cpu: x $x, filter $f, strides $s, pad $pad, nchw $nchw', async ({ x, f, s, pad, nchw }) => {
    const vx = randomValues(
      x.reduce((a, b) => a * b, 1),
      3,
    );
    const dataFormat = nchw ? 'NCHW' : 'NHWC';
    const info = tf.backend_util.computeConv2DInfo(
      x,
      f,
      s,
      1,
      pad,
      undefined,
      false,
      nchw ? 'channelsFirst' : 'channelsLast',
    );
    const dyShape = info.outShape;
    const vdy = randomValues(
      dyShape.reduce((a, b) => a * b, 1),
      4,
    );
    const { wasm, cpu } = await onWasmAndCpu(() =>
      backpropFilter(tf.tensor(vx, x), tf.tensor(vdy, dyShape), f, s, pad, dataFormat),
    );
    expectClose(wasm, cpu, 1e-5, 1e-5);
  });

  it('gives the same result when the batch is processed in chunks (im2col path)', async () => {
    const x = [6, 10, 10, 3];
    const dyShape = [6, 5, 5, 4];
    const vx = randomValues(6 * 10 * 10 * 3, 5);
    const vdy = randomValues(6 * 5 * 5 * 4, 6);
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] };
    const { cpu } = await onWasmAndCpu(() =>
      backpropFilter(tf.tensor(vx, x), tf.tensor(vdy, dyShape), [3, 3, 3, 4], 2, 'same', 'NHWC'),
    );
    const before = tf.memory().numTensors;
    // K·rows per image = 27·25 = 675 floats: a 1,000-float limit forces one image per chunk.
    const kernel = createConv2dBackpropFilterKernel(1000, false);
    const got = tf.tidy(() => {
      const info = kernel({
        inputs: { x: tf.tensor(vx, x), dy: tf.tensor(vdy, dyShape) },
        backend: tf.backend() as unknown as WasmBackendLike,
        attrs,
      }) as tf.TensorInfo;
      return tf.engine().makeTensorFromTensorInfo(info);
    });
    expectClose([{ shape: got.shape, dtype: got.dtype, values: Array.from(await got.data()) }], cpu, 1e-5, 1e-5);
    got.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
