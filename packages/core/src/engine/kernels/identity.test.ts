import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine.js';
import { expectClose, onWasmAndCpu } from './cross-backend.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('wasm Identity and Cast by reference count', () => {
  it('a clone outlives its source and keeps its values; disposing both frees the data', async () => {
    const before = tf.memory().numTensors;
    const bytesBefore = tf.memory().numBytes;
    const a = tf.tensor([1.5, -2, Number.NaN, 4], [2, 2]);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1.5, -2, Number.NaN, 4]);
    expect(Array.from(await c.data())).toEqual([1.5, -2, Number.NaN, 4]);
    b.dispose();
    expect(Array.from(await c.data())).toEqual([1.5, -2, Number.NaN, 4]);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(bytesBefore);
  });

  it('real casts still convert, as on cpu (bool: x ≠ 0, NaN included)', async () => {
    const { wasm, cpu } = await onWasmAndCpu(() => {
      const f = tf.tensor([1.7, -2.2, 0, 3.9, Number.NaN, -0]);
      const i = tf.tensor([3, 0, -1, 2], [4], 'int32');
      return [
        tf.cast(f.slice(0, 4), 'int32'),
        tf.cast(f, 'bool'),
        tf.cast(i, 'bool'),
        tf.cast(i, 'float32'),
        tf.cast(i, 'int32'),
        tf.clone(i),
      ];
    });
    expectClose(wasm, cpu, 0, 0);
  });

  it('a variable assigned from a clone keeps its own value when the clone is disposed', async () => {
    const v = tf.variable(tf.zeros([3]));
    const src = tf.tensor([1, 2, 3]);
    const copy = tf.clone(src);
    v.assign(copy);
    copy.dispose();
    src.dispose();
    expect(Array.from(await v.data())).toEqual([1, 2, 3]);
    v.dispose();
  });
});
