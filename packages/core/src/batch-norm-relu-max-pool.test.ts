import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchNormReluMaxPool } from './batch-norm-relu-max-pool.js';
import { initEngine } from './engine/engine.js';
import { cnnKernels } from './engine/kernels/cnn-native.js';
import { expectClose, onWasmAndCpu, randomValues } from './engine/kernels/cross-backend.js';
import type { WasmBackendLike } from './engine/kernels/wasm-heap.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const cases: Array<{ x: [number, number, number, number]; p: number }> = [
  { x: [4, 8, 8, 16], p: 2 }, // the CNN's block
  { x: [3, 7, 5, 8], p: 2 }, // odd sides: SAME padding cuts the last windows
  { x: [2, 7, 8, 4], p: 3 },
  { x: [5, 1, 1, 12], p: 1 }, // no pooling (the FC layers' batch norm + ReLU)
  { x: [300, 3, 3, 4], p: 2 }, // more rows than one summation block
  { x: [2, 5, 4, 3], p: 2 }, // 3 channels: the tfjs ops on both backends
];

describe('batchNormReluMaxPool', () => {
  it('runs the fused native kernel on wasm', async () => {
    expect(cnnKernels(tf.backend() as unknown as WasmBackendLike)).toBeDefined();
    const x = tf.ones([1, 4, 4, 4]) as tf.Tensor4D;
    const g = tf.ones([4]);
    const info = await tf.profile(() => batchNormReluMaxPool(x, g, g, { epsilon: 1e-3, poolSize: 2 }));
    expect(info.kernelNames).toContain('L2oBatchNormReluMaxPool');
    tf.dispose([x, g, info.result as tf.Tensor]);
  });

  it('checks its options', () => {
    const x = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    const g = tf.ones([3]);
    expect(() => batchNormReluMaxPool(x, g, g, { epsilon: 0, poolSize: 2 })).toThrow(/epsilon/);
    expect(() => batchNormReluMaxPool(x, g, g, { epsilon: 1e-3, poolSize: 0 })).toThrow(/poolSize/);
    expect(() => batchNormReluMaxPool(x, tf.ones([2]), g, { epsilon: 1e-3, poolSize: 2 })).toThrow(/gamma.*3/);
    tf.dispose([x, g]);
  });

  it.each(cases)('wasm (fused) matches cpu (tfjs ops): value and gradients, x $x, pool $p', async ({ x, p }) => {
    const n = x.reduce((a, b) => a * b, 1);
    const C = x[3];
    const vx = Float32Array.from(randomValues(n, 31), (v, i) => 2 * v + (i % C) * 0.3); // per-channel offsets
    const vg = Float32Array.from(randomValues(C, 32), (v) => 1 + 0.5 * v);
    const vb = Float32Array.from(randomValues(C, 33), (v) => 0.3 * v);
    const { wasm, cpu } = await onWasmAndCpu(() => {
      const xt = tf.tensor4d(vx, x);
      const g = tf.tensor1d(vg);
      const b = tf.tensor1d(vb);
      const opts = { epsilon: 1e-3, poolSize: p };
      const y = batchNormReluMaxPool(xt, g, b, opts);
      const w = tf.tensor(randomValues(y.size, 34), y.shape); // a weighted sum: every output has its own adjoint
      const grads = tf.grads((xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.mul(batchNormReluMaxPool(xi as tf.Tensor4D, gi, bi, opts), w)),
      )([xt, g, b]);
      return [y, ...grads];
    });
    expectClose(wasm, cpu, 1e-4, 1e-5);
  });
});
