import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { hostTensor, hostValues } from './host-values.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('hostTensor / hostValues', () => {
  it('reads back the very array a host tensor was made from, and the values of any other float32 tensor', () => {
    const values = Float32Array.from([1, -2, 3.5, 4, 0, 6]);
    const t = hostTensor(values, [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.dataSync())).toEqual(Array.from(values));
    expect(hostValues(t)).toBe(values); // no copy from the backend
    const other = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const read = hostValues(other);
    expect(read).not.toBe(values);
    expect(Array.from(read)).toEqual([1, 2, 3, 4]);
    // A tensor derived from a host tensor is not one: its own values are read.
    const doubled = tf.mul(t, 2);
    expect(Array.from(hostValues(doubled))).toEqual(Array.from(values, (v) => 2 * v));
    tf.dispose([t, other, doubled]);
  });

  it('names the tensor when it was disposed or is not float32', () => {
    const t = hostTensor(new Float32Array(4), [4]);
    t.dispose();
    expect(() => hostValues(t, 'state.h')).toThrow(/state\.h: the tensor was disposed/);
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(() => hostValues(ints, 'state.c')).toThrow(/state\.c: dtype must be float32; got int32/);
    ints.dispose();
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const t = hostTensor(new Float32Array(8).fill(i), [8]);
      hostValues(t);
      t.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
