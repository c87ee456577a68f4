import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initEngine, type TensorMap } from '@l2o/core';
import { encodeArtifact } from '@l2o/core/extend';
import { loadLstmPreset } from '../presets/presets.js';
import {
  LearnedTfOptimizer,
  learnedTfOptimizer,
  loadLearnedOptimizer,
  saveLearnedOptimizer,
} from './learned-tf-optimizer.js';

beforeAll(async () => {
  await initEngine('cpu');
});

/** A small regression model and a fixed batch: y = x·w* + noise-free, 8 inputs. */
function modelAndData(seed: number): { model: tf.LayersModel; x: tf.Tensor2D; y: tf.Tensor2D } {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [8],
        units: 6,
        activation: 'tanh',
        kernelInitializer: tf.initializers.glorotNormal({ seed }),
      }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: seed + 1 }) }),
    ],
  });
  const x = tf.randomNormal([64, 8], 0, 1, 'float32', seed + 2) as tf.Tensor2D;
  const y = tf.tidy(() => x.matMul(tf.randomNormal([8, 1], 0, 1, 'float32', seed + 3)).tanh()) as tf.Tensor2D;
  return { model, x, y };
}

/** An MNIST-like task for the MNIST presets: a 1×20 sigmoid MLP classifying 16-dim points into 4 classes. */
function classifierAndData(seed: number): { model: tf.LayersModel; x: tf.Tensor2D; y: tf.Tensor2D } {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [16],
        units: 20,
        activation: 'sigmoid',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.01, seed }),
      }),
      tf.layers.dense({
        units: 4,
        activation: 'softmax',
        kernelInitializer: tf.initializers.randomNormal({ stddev: 0.01, seed: seed + 1 }),
      }),
    ],
  });
  const x = tf.randomNormal([128, 16], 0, 1, 'float32', seed + 2) as tf.Tensor2D;
  const y = tf.tidy(() =>
    tf.oneHot(x.matMul(tf.randomNormal([16, 4], 0, 1, 'float32', seed + 3)).argMax(1), 4).toFloat(),
  ) as tf.Tensor2D;
  return { model, x, y };
}

const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));

async function fitLosses(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, epochs: number): Promise<number[]> {
  const h = await model.fit(x, y, { epochs, batchSize: 64, shuffle: false, verbose: 0 });
  return h.history['loss'] as number[];
}

function sameMaps(a: TensorMap, b: TensorMap): void {
  expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
  for (const k of Object.keys(a)) expect(Array.from(b[k]!.dataSync())).toEqual(Array.from(a[k]!.dataSync()));
}

describe('learnedTfOptimizer', () => {
  it('one line gives a preset as a tf.Optimizer that trains a tfjs-layers model; disposing it frees φ', async () => {
    const before = tf.memory().numTensors;
    const { model, x, y } = classifierAndData(1);
    const optimizer = await learnedTfOptimizer('mnist-residual');
    expect(optimizer).toBeInstanceOf(tf.Optimizer);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const h = await model.fit(x, y, { epochs: 20, batchSize: 128, shuffle: false, verbose: 0 });
    const losses = h.history['loss'] as number[];
    expect(losses[19]!).toBeLessThan(0.5 * losses[0]!);
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(learnedTfOptimizer('preset:nope')).rejects.toThrow(/unknown preset "nope"; allowed values: quadratic/);
  });

  it('model.save with includeOptimizer + tf.loadLayersModel restore the optimizer and its state: training continues identically', async () => {
    for (const source of ['preset:quadratic', 'from-handler'] as const) {
      const { model, x, y } = modelAndData(5);
      let optimizer: LearnedTfOptimizer;
      if (source === 'from-handler') {
        // A learned optimizer that is no preset: its whole artifact travels in the model's training config.
        let saved: tf.io.ModelArtifacts | undefined;
        const p = loadLstmPreset('quadratic');
        await saveLearnedOptimizer(
          tf.io.withSaveHandler(async (a) => {
            saved = a;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }),
          { learned: p.learned, metaParams: p.metaParams },
        );
        tf.dispose(Object.values(p.metaParams));
        optimizer = await learnedTfOptimizer(tf.io.fromMemory(saved!));
        expect(optimizer.getConfig()['artifact']).toEqual(expect.any(String));
      } else {
        optimizer = await learnedTfOptimizer(source);
        expect(optimizer.getConfig()).toEqual({ preset: 'quadratic' });
      }
      model.compile({ optimizer, loss: 'meanSquaredError' });
      await fitLosses(model, x, y, 3);
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (a) => {
          artifacts = a;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
        { includeOptimizer: true },
      );
      const restored = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
      expect(restored.optimizer).toBeInstanceOf(LearnedTfOptimizer);
      restored.compile({ optimizer: restored.optimizer, loss: 'meanSquaredError' });
      const a = await fitLosses(model, x, y, 2);
      const b = await fitLosses(restored, x, y, 2);
      expect(b).toEqual(a);
      expect(weightsOf(restored)).toEqual(weightsOf(model));
      for (const m of [model, restored]) {
        m.optimizer.dispose();
        m.dispose();
      }
      tf.dispose([x, y]);
    }
  });
});

describe('loadLearnedOptimizer / saveLearnedOptimizer', () => {
  let server: Server;
  let base: string;
  const files = new Map<string, Uint8Array>();
  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = files.get(req.url ?? '');
      res.writeHead(body ? 200 : 404);
      res.end(body ?? 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('round-trips through tf.io handlers and reads an artifact folder served over HTTP; errors name the source', async () => {
    const p = loadLstmPreset('quadratic');
    const memory: tf.io.ModelArtifacts[] = [];
    await saveLearnedOptimizer(
      tf.io.withSaveHandler(async (a) => {
        memory.push(a);
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
      { learned: p.learned, metaParams: p.metaParams, training: { note: 'test' } },
    );
    const back = await loadLearnedOptimizer(tf.io.fromMemory(memory[0]!));
    expect(back.learned.kind).toBe(p.learned.kind);
    expect(back.manifest.training).toEqual({ note: 'test' });
    sameMaps(p.metaParams, back.metaParams);

    const { manifest, weights } = encodeArtifact({
      kind: p.learned.kind,
      name: 'q',
      config: p.manifest.config,
      metaParams: p.metaParams,
    });
    files.set('/opt/manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
    files.set('/opt/weights.bin', weights);
    const served = await loadLearnedOptimizer(`${base}/opt/manifest.json`);
    sameMaps(p.metaParams, served.metaParams);
    await expect(loadLearnedOptimizer(`${base}/missing/manifest.json`)).rejects.toThrow(
      /GET .*\/missing\/manifest\.json answered 404/,
    );
    const flipped = weights.slice();
    flipped[3] = flipped[3]! ^ 1;
    files.set('/bad/manifest.json', files.get('/opt/manifest.json')!);
    files.set('/bad/weights.bin', flipped);
    await expect(loadLearnedOptimizer(`${base}/bad/manifest.json`)).rejects.toThrow(/corrupt weights: SHA-256/);
    await expect(loadLearnedOptimizer(tf.io.fromMemory({ modelTopology: { layers: [] } }))).rejects.toThrow(
      /holds no l2o learned optimizer/,
    );
    await expect(loadLearnedOptimizer('nothing://x')).rejects.toThrow(/no tf\.io load handler for "nothing:\/\/x"/);
    for (const m of [p.metaParams, back.metaParams, served.metaParams]) tf.dispose(Object.values(m));
  });
});
