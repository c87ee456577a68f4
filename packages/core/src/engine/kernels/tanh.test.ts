import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu, randomValues } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('wasm Tanh kernel', () => {
  it('matches cpu over a wide range, with full relative precision near 0', async () => {
    const wide = Array.from(randomValues(4001, 9), (v) => v * 12);
    const small = Array.from(randomValues(2001, 10), (v) => v * 1e-3);
    const special = [0, -0, 1e-30, -1e-8, 0.1249, 0.125, -0.1251, 0.5, 3, 9.5, 20, -20, 88, -100, Infinity, -Infinity];
    const { wasm, cpu } = await onWasmAndCpu(() => [
      tf.tanh(tf.tensor(wide, [4001])),
      tf.tanh(tf.tensor(small, [29, 69])),
      tf.tanh(tf.tensor(special)),
    ]);
    expectClose(wasm, cpu, 2e-6, 1e-7);
  });

  it('propagates NaN and handles empty tensors', async () => {
    const out = tf.tanh(tf.tensor([NaN, 1]));
    const empty = tf.tanh(tf.zeros([0, 3]));
    const v = await out.data();
    expect(Number.isNaN(v[0]!)).toBe(true);
    expect(v[1]).toBeCloseTo(Math.tanh(1), 6);
    expect(empty.shape).toEqual([0, 3]);
    tf.dispose([out, empty]);
  });

  it('has a gradient that matches cpu', async () => {
    const vals = Array.from(randomValues(300, 4), (v) => v * 4);
    const { wasm, cpu } = await onWasmAndCpu(() => tf.grad((x: tf.Tensor) => tf.tanh(x).sum())(tf.tensor(vals)));
    expectClose(wasm, cpu, 1e-5, 1e-6);
  });
});
