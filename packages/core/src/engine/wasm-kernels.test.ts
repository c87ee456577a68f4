import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './kernels/cross-backend.js';
import { ADDED_WASM_KERNELS, REPLACED_WASM_KERNELS, registerWasmKernels, stockWasmKernel } from './wasm-kernels.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('registerWasmKernels', () => {
  it('adds the missing gradient kernels and replaces the slow stock ones, idempotently', () => {
    registerWasmKernels();
    for (const name of ADDED_WASM_KERNELS) expect(tf.getKernel(name, 'wasm'), name).toBeDefined();
    for (const name of REPLACED_WASM_KERNELS) {
      const stock = stockWasmKernel(name);
      expect(stock, name).toBeDefined();
      expect(tf.getKernel(name, 'wasm')?.kernelFunc, name).not.toBe(stock?.kernelFunc);
    }
  });

  it('lets tf.grad of a small CNN (conv2d, moments + batchNorm, relu, maxPool, matMul, gather, concat, slice, tanh) run on wasm and match cpu', async () => {
    const vx = randomValues(3 * 10 * 10 * 2, 1);
    const vw = randomValues(3 * 3 * 2 * 4, 2).map((v) => v * 0.5);
    const vd = randomValues(5 * 5 * 4 * 3, 3).map((v) => v * 0.2);
    const ve = randomValues(7 * 3, 4);
    const vg = randomValues(4, 5);
    const vb = randomValues(4, 6);
    const { wasm, cpu } = await onWasmAndCpu(() => {
      const x = tf.tensor(vx, [3, 10, 10, 2]) as tf.Tensor4D;
      const idx = tf.tensor1d([2, 6, 2], 'int32');
      const loss = (w: tf.Tensor, dense: tf.Tensor, emb: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Scalar => {
        let h: tf.Tensor4D = tf.conv2d(x, w as tf.Tensor4D, [2, 2], 'same');
        const { mean, variance } = tf.moments(h, [0, 1, 2]);
        h = tf.batchNorm(h, mean, variance, beta, gamma.add(1), 1e-3) as tf.Tensor4D;
        h = tf.maxPool(tf.relu(h), 2, 1, 'same');
        const logits = tf.matMul(h.reshape([3, 100]), dense); // [3, 3]
        const rows = tf.gather(emb, idx); // [3, 3]
        const both = tf.concat([logits, rows], 1); // [3, 6]
        return tf
          .tanh(both.slice([0, 1], [3, 4]))
          .square()
          .mean();
      };
      const g = tf.grads(loss as (...a: tf.Tensor[]) => tf.Tensor);
      return g([
        tf.tensor(vw, [3, 3, 2, 4]),
        tf.tensor(vd, [100, 3]),
        tf.tensor(ve, [7, 3]),
        tf.tensor(vg),
        tf.tensor(vb),
      ]);
    });
    expectClose(wasm, cpu, 1e-4, 1e-5);
    expect(wasm.every((r) => r.values.some((v) => v !== 0))).toBe(true);
  });
});
