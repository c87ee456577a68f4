import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, initEngine, toTfOptimizer } from '@l2o/core';
import { MNIST_CLASSES, MNIST_PIXELS, loadMnistSplit } from './mnist-data.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('a tfjs-layers model trained with an l2o optimizer on real MNIST', () => {
  it('model.fit with toTfOptimizer(adam) lowers the loss and generalises to held-out images', async () => {
    const n = 2048;
    const train = loadMnistSplit('train');
    const val = loadMnistSplit('validation');
    const oneHot = (labels: Uint8Array): tf.Tensor2D => {
      const y = new Float32Array(labels.length * MNIST_CLASSES);
      labels.forEach((l, i) => (y[i * MNIST_CLASSES + l] = 1));
      return tf.tensor2d(y, [labels.length, MNIST_CLASSES]);
    };
    const x = tf.tensor2d(train.images.subarray(0, n * MNIST_PIXELS), [n, MNIST_PIXELS]);
    const y = oneHot(train.labels.subarray(0, n));
    const xv = tf.tensor2d(val.images.subarray(0, 1000 * MNIST_PIXELS), [1000, MNIST_PIXELS]);
    const yv = oneHot(val.labels.subarray(0, 1000));

    const model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [MNIST_PIXELS], units: 32, activation: 'sigmoid' }),
        tf.layers.dense({ units: MNIST_CLASSES, activation: 'softmax' }),
      ],
    });
    const optimizer = toTfOptimizer(adam({ learningRate: 0.01 }));
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const counts: number[] = [];
    const t0 = performance.now();
    const history = await model.fit(x, y, {
      epochs: 4,
      batchSize: 64,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void counts.push(tf.memory().numTensors) },
    });
    const ms = performance.now() - t0;
    const loss = history.history['loss'] as number[];
    const [valLoss, valAcc] = (model.evaluate(xv, yv) as tf.Scalar[]).map((t) => {
      const v = t.dataSync()[0]!;
      t.dispose();
      return v;
    });
    console.log(
      `tfjs-layers 784-32-10 on ${n} MNIST images, l2o adam: loss by epoch ${loss.map((v) => v.toFixed(3)).join(' ')}, ` +
        `validation loss ${valLoss!.toFixed(3)} accuracy ${valAcc!.toFixed(3)}, ${ms.toFixed(0)} ms`,
    );
    expect(loss[0]!).toBeLessThan(2.3); // already learning in the first epoch
    expect(loss[3]!).toBeLessThan(0.5 * loss[0]!);
    expect(valLoss!).toBeLessThan(0.7);
    expect(valAcc!).toBeGreaterThan(0.8);
    expect(optimizer.l2oState?.step).toBe(4 * (n / 64));
    expect(new Set(counts.slice(1)).size).toBe(1); // flat after the state is created
    expect(counts[0]).toBe(counts[1]);
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, y, xv, yv]);
  });
});
