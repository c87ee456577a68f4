import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from './adam.js';
import { initEngine } from './engine/engine.js';
import { evaluate } from './evaluate.js';
import { lossAndGrad } from './loss-and-grad.js';
import { metaTrain } from './meta-train.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned } from './test-fixtures.js';
import type { Optimizee, OptimizeeFamily, TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** (x − c)² per coordinate; `reduce` false forgets the mean and returns the vector. */
function task(reduce: boolean): Optimizee<null> {
  const c = [1, -2, 0.5];
  return {
    name: reduce ? 'squares' : 'squares-without-mean',
    init: () => ({ x: tf.tensor1d([0, 0, 0]) }),
    sampleBatch: () => null,
    loss: (p) =>
      tf.tidy(() => {
        const v = tf.square(tf.sub(p['x']!, tf.tensor1d(c)));
        return (reduce ? tf.mean(v) : v) as tf.Scalar;
      }),
  };
}

function family(reduce: boolean): OptimizeeFamily<null> {
  return { name: reduce ? 'squares' : 'squares-without-mean', sample: () => task(reduce) };
}

describe('lossAndGrad', () => {
  it('gives the loss and its gradient (closed form 2(x − c)/3)', () => {
    const params: TensorMap = { x: tf.tensor1d([0, 1, 2]) };
    const { loss, grads } = lossAndGrad(task(true), params, null);
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo((1 + 9 + 2.25) / 3, 5);
    const g = Array.from(grads['x']!.dataSync());
    [-1, 3, 1.5].forEach((d, i) => expect(g[i]).toBeCloseTo((2 * d) / 3, 5));
    loss.dispose();
    disposeMap(grads);
    disposeMap(params);
  });

  it('refuses a loss that is not a scalar, naming the optimizee and the shape, and leaks nothing', () => {
    const params: TensorMap = { x: tf.tensor1d([0, 1, 2]) };
    const before = tf.memory().numTensors;
    expect(() => lossAndGrad(task(false), params, null)).toThrow(
      'optimizee "squares-without-mean": loss(params, batch) must return a scalar (shape []), got a tensor of shape [3]; reduce it, e.g. with tf.mean',
    );
    expect(tf.memory().numTensors).toBe(before);
    const notATensor: Optimizee<null> = { ...task(true), name: 'numbers', loss: () => 3 as unknown as tf.Scalar };
    expect(() => lossAndGrad(notATensor, params, null)).toThrow(
      'optimizee "numbers": loss(params, batch) must return a scalar tf.Tensor, got a number',
    );
    disposeMap(params);
  });

  it('evaluate and metaTrain refuse a vector loss instead of reporting scrambled curves', async () => {
    const before = tf.memory().numTensors;
    await expect(
      evaluate({
        family: family(false),
        optimizers: [{ name: 'adam', optimizer: adam({ learningRate: 0.1 }) }],
        problems: 2,
        steps: 3,
        seed: 0,
      }),
    ).rejects.toThrow(/optimizee "squares-without-mean".*shape \[3\]/);
    expect(tf.memory().numTensors).toBe(before);
    await expect(
      metaTrain({ learned: tinyLearned(), family: family(false), epochs: 1, horizon: 2, unroll: 1, seed: 0 }),
    ).rejects.toThrow(/optimizee "squares-without-mean".*shape \[3\]/);
  });
});
