import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const cases: Array<{ a: number[]; b: number[]; tA: boolean; tB: boolean }> = [
  { a: [301, 22], b: [301, 80], tA: true, tB: false },
  { a: [17, 23], b: [9, 23], tA: false, tB: true },
  { a: [23, 17], b: [9, 23], tA: true, tB: true },
  { a: [13, 7], b: [7, 5], tA: false, tB: false },
  { a: [3, 11, 6], b: [3, 11, 4], tA: true, tB: false }, // batched
  { a: [2, 5, 6], b: [1, 7, 6], tA: false, tB: true }, // broadcast batch
  { a: [1, 6], b: [1, 4], tA: true, tB: false }, // outer product
];

describe('wasm BatchMatMul kernel', () => {
  it.each(cases)('matches cpu: $a (transposeA=$tA) × $b (transposeB=$tB)', async ({ a, b, tA, tB }) => {
    const va = randomValues(
      a.reduce((x, y) => x * y, 1),
      1,
    );
    const vb = randomValues(
      b.reduce((x, y) => x * y, 1),
      2,
    );
    const { wasm, cpu } = await onWasmAndCpu(() => tf.matMul(tf.tensor(va, a), tf.tensor(vb, b), tA, tB));
    expectClose(wasm, cpu, 1e-5, 1e-5);
  });

  it('has gradients that match cpu (they use the transposed forms)', async () => {
    const va = randomValues(40 * 12, 3);
    const vb = randomValues(12 * 9, 4);
    const { wasm, cpu } = await onWasmAndCpu(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b).square().sum())([
        tf.tensor(va, [40, 12]),
        tf.tensor(vb, [12, 9]),
      ]),
    );
    expectClose(wasm, cpu, 1e-5, 1e-5);
  });
});
