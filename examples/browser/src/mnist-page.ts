import * as tf from '@tensorflow/tfjs';
import { learnedTfOptimizer } from '@l2o/optimizer-lstm';
import { drawCurves } from './chart.js';
import { numberParam, startEngine } from './engine.js';

/** What the page exposes for its test (and the curious): the losses per step and the state. */
interface MnistPageResult {
  status: 'running' | 'done' | 'failed';
  backend?: string;
  learned: number[];
  adam: number[];
  error?: string;
}
const result: MnistPageResult = { status: 'running', learned: [], adam: [] };
(globalThis as { l2oMnist?: MnistPageResult }).l2oMnist = result;

const status = document.getElementById('status')!;
const chart = document.getElementById('chart') as unknown as SVGSVGElement;
const SIDE = 14;
const BATCH = 128;

function makeModel(): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [SIDE * SIDE],
        units: 20,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.01, seed: 1 }),
      }),
      tf.layers.dense({
        units: 10,
        activation: 'softmax',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.01, seed: 2 }),
      }),
    ],
  });
}

async function run(): Promise<void> {
  const steps = numberParam('steps', 200);
  const info = await startEngine();
  result.backend = info.backend;
  const res = await fetch('./mnist-subset.bin');
  if (!res.ok) throw new Error(`mnist-subset.bin: ${res.status} ${res.statusText}`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const n = bytes.length / (SIDE * SIDE + 1);
  const images = tf.tensor2d(
    Float32Array.from(bytes.subarray(0, n * SIDE * SIDE), (v) => v / 255),
    [n, SIDE * SIDE],
  );
  const labels = tf.tidy(() =>
    tf.oneHot(tf.tensor1d(Int32Array.from(bytes.subarray(n * SIDE * SIDE)), 'int32'), 10).toFloat(),
  );

  const learnedModel = makeModel();
  const adamModel = makeModel();
  adamModel.setWeights(learnedModel.getWeights());
  learnedModel.compile({ optimizer: await learnedTfOptimizer('mnist-residual'), loss: 'categoricalCrossentropy' });
  adamModel.compile({ optimizer: tf.train.adam(0.03), loss: 'categoricalCrossentropy' });

  // The same minibatches for both (a fixed pseudo-random sequence of indices).
  let seed = 12345;
  const nextIndex = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    const idx = tf.tensor1d(Int32Array.from({ length: BATCH }, nextIndex), 'int32');
    const x = tf.gather(images, idx);
    const y = tf.gather(labels, idx);
    result.learned.push((await learnedModel.trainOnBatch(x, y)) as number);
    result.adam.push((await adamModel.trainOnBatch(x, y)) as number);
    tf.dispose([idx, x, y]);
    drawCurves(
      chart,
      [
        { name: 'learned (mnist-residual)', color: '#d55e00', values: result.learned },
        { name: 'Adam, lr 0.03', color: '#0072b2', values: result.adam },
      ],
      steps,
      'training loss',
    );
    const seconds = (performance.now() - t0) / 1000;
    const eta = (seconds / (step + 1)) * (steps - step - 1);
    status.textContent = `step ${step + 1} / ${steps} on ${info.backend} — ${seconds.toFixed(1)} s, about ${eta.toFixed(0)} s left`;
    await tf.nextFrame();
  }
  const mean = (v: number[]): number => v.slice(-10).reduce((a, b) => a + b, 0) / Math.min(10, v.length);
  status.textContent =
    `Done: ${steps} steps on ${info.backend} in ${((performance.now() - t0) / 1000).toFixed(1)} s. ` +
    `Mean loss over the last 10 steps: learned ${mean(result.learned).toFixed(3)}, Adam ${mean(result.adam).toFixed(3)}.`;
  for (const m of [learnedModel, adamModel]) {
    m.optimizer.dispose();
    m.dispose();
  }
  tf.dispose([images, labels]);
}

run().then(
  () => {
    result.status = 'done';
    document.body.dataset['status'] = 'done';
  },
  (e: unknown) => {
    result.status = 'failed';
    result.error = e instanceof Error ? e.message : String(e);
    status.textContent = `Failed: ${result.error}`;
    document.body.dataset['status'] = 'failed';
    console.error(e);
  },
);
