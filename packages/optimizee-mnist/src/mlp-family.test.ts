import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng, type TensorMap } from '@l2o/core';
import { resizeImages } from '@l2o/core/extend';
import { loadMnistSplit } from './mnist-data.js';
import { type MnistBatch, mnistMlpFamily } from './mlp-family.js';
import type { MlpActivation } from './mlp-layers.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** Float64 nonlinearities, written out. */
function act64(act: MlpActivation, v: number): number {
  switch (act) {
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'relu':
      return Math.max(0, v);
    case 'tanh':
      return Math.tanh(v);
    case 'gelu':
      return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  }
}

/** Float64 reference: mean softmax cross-entropy of an MLP (+ λ/2 Σ‖W‖²), written out in plain JS. */
function referenceLoss(
  p: Record<string, Float64Array>,
  sizes: number[],
  act: MlpActivation,
  x: Float32Array,
  labels: number[],
  l2 = 0,
): number {
  const B = labels.length;
  const inputs = sizes[0]!;
  let total = 0;
  for (let r = 0; r < B; r++) {
    let h: number[] = Array.from(x.subarray(r * inputs, (r + 1) * inputs));
    for (let l = 0; l + 1 < sizes.length; l++) {
      const w = p[`layer${l}/w`]!;
      const b = p[`layer${l}/b`]!;
      const out = sizes[l + 1]!;
      const z = new Array<number>(out).fill(0);
      for (let j = 0; j < out; j++) {
        let s = b[j]!;
        for (let i = 0; i < sizes[l]!; i++) s += h[i]! * w[i * out + j]!;
        z[j] = s;
      }
      h = l + 2 < sizes.length ? z.map((v) => act64(act, v)) : z;
    }
    const m = Math.max(...h);
    const lse = m + Math.log(h.reduce((s, v) => s + Math.exp(v - m), 0));
    total += lse - h[labels[r]!]!;
  }
  let penalty = 0;
  for (let l = 0; l + 1 < sizes.length; l++) for (const w of p[`layer${l}/w`]!) penalty += w * w;
  return total / B + (l2 / 2) * penalty;
}

function labelsOf(batch: MnistBatch): number[] {
  return Array.from(tf.tidy(() => tf.argMax(batch.y, 1)).dataSync());
}

describe('mnistMlpFamily', () => {
  it('has the paper shapes and names; batches are [B, 784] in [0, 1] with one-hot labels', () => {
    const fam = mnistMlpFamily();
    expect(fam.options).toEqual({
      split: 'train',
      hidden: [20],
      activation: 'sigmoid',
      batchSize: 128,
      initStd: 0.01,
      validationSize: 10_000,
      l2: 0,
    });
    const task = fam.sample(Rng.seeded(1));
    expect(task.name).toBe('mnist-mlp-784-20-10-sigmoid');
    expect(task.size).toBe(15_910); // DESIGN.md: N = 15,910 coordinates
    const p = task.init(Rng.seeded(2));
    expect(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.shape]))).toEqual({
      'layer0/w': [784, 20],
      'layer0/b': [20],
      'layer1/w': [20, 10],
      'layer1/b': [10],
    });
    expect(Array.from(p['layer0/b']!.dataSync()).every((v) => v === 0)).toBe(true);
    const w = p['layer0/w']!.dataSync() as Float32Array;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.0095);
    expect(std).toBeLessThan(0.0105);
    const batch = task.sampleBatch(Rng.seeded(3));
    expect(batch.x.shape).toEqual([128, 784]);
    expect(batch.y.shape).toEqual([128, 10]);
    const y = batch.y.dataSync() as Float32Array;
    for (let r = 0; r < 128; r++) expect(y.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBe(1);
    const x = batch.x.dataSync();
    expect(Math.min(...x)).toBe(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    tf.dispose([p, batch]);
  });

  it('starts at loss ≈ ln 10 with the reference initialisation', () => {
    const task = mnistMlpFamily().sample(Rng.seeded(1));
    const p = task.init(Rng.seeded(4));
    const batch = task.sampleBatch(Rng.seeded(5));
    const loss = task.loss(p, batch);
    expect(Math.abs(loss.dataSync()[0]! - Math.log(10))).toBeLessThan(0.01);
    tf.dispose([p, batch, loss]);
  });

  for (const [activation, l2, imageSide] of [
    ['sigmoid', 0, 28],
    ['relu', 0, 28],
    ['tanh', 0, 28],
    ['gelu', 0, 28],
    ['tanh', 0.005, 28],
    ['relu', 0.05, 8],
  ] as const) {
    it(`${activation}${l2 ? `, l2 ${l2}` : ''}, ${imageSide}×${imageSide}: loss equals a float64 reference and the gradient matches its finite differences`, () => {
      const hidden = [3, 2];
      const sizes = [imageSide * imageSide, 3, 2, 10];
      const task = mnistMlpFamily({ hidden, activation, batchSize: 4, initStd: 0.3, l2, imageSide }).sample(
        Rng.seeded(1),
      );
      const params = task.init(Rng.seeded(7));
      // Non-zero biases so that their gradients are exercised too.
      const rng = Rng.seeded(8);
      const p: Record<string, tf.Tensor> = {};
      for (const [k, v] of Object.entries(params)) {
        p[k] = k.endsWith('/b') ? tf.tensor1d(rng.normalArray(v.size, 0, 0.3)) : v;
      }
      const batch = task.sampleBatch(Rng.seeded(9));
      const x = batch.x.dataSync() as Float32Array;
      const labels = labelsOf(batch);
      const ref: Record<string, Float64Array> = {};
      for (const [k, v] of Object.entries(p)) ref[k] = Float64Array.from(v.dataSync());
      const { loss, grads } = lossAndGrad(task, p as TensorMap, batch);
      expect(loss.dataSync()[0]).toBeCloseTo(referenceLoss(ref, sizes, activation, x, labels, l2), 5);
      const h = 1e-5;
      const gRng = Rng.seeded(10);
      let checked = 0;
      for (const [k, g] of Object.entries(grads)) {
        const gv = g.dataSync() as Float32Array;
        const picks = k.endsWith('/b') ? Array.from(gv.keys()) : Array.from({ length: 12 }, () => gRng.int(gv.length));
        // Include the largest-gradient weight of each matrix (most rows of layer0/w see zero pixels).
        picks.push(gv.reduce((best, v, i) => (Math.abs(v) > Math.abs(gv[best]!) ? i : best), 0));
        for (const i of picks) {
          const a = ref[k]!;
          const keep = a[i]!;
          a[i] = keep + h;
          const up = referenceLoss(ref, sizes, activation, x, labels, l2);
          a[i] = keep - h;
          const down = referenceLoss(ref, sizes, activation, x, labels, l2);
          a[i] = keep;
          const fd = (up - down) / (2 * h);
          expect(Math.abs(gv[i]! - fd)).toBeLessThan(1e-4 + 1e-3 * Math.abs(fd));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(40);
      const maxAbs = Math.max(...Object.values(grads).map((g) => Math.max(...Array.from(g.dataSync(), Math.abs))));
      expect(maxAbs).toBeGreaterThan(1e-2); // the check is not vacuous
      tf.dispose([params, p, batch, loss, grads]);
    });
  }

  it('imageSide shrinks the images by area averaging: 8×8 gives 64 inputs (the Celo-style tiny classifier)', () => {
    const fam = mnistMlpFamily({ hidden: [32], activation: 'relu', batchSize: 64, imageSide: 8, initStd: 'he' });
    expect(fam.name).toBe('mnist-mlp-64-32-10-relu-train');
    const task = fam.sample(Rng.seeded(1));
    expect(task.size).toBe(65 * 32 + 33 * 10);
    const p = task.init(Rng.seeded(2));
    expect(p['layer0/w']!.shape).toEqual([64, 32]);
    const w = p['layer0/w']!.dataSync() as Float32Array;
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.85 * Math.sqrt(2 / 64)); // He: √(2 / fan-in)
    expect(std).toBeLessThan(1.15 * Math.sqrt(2 / 64));
    // The batch rows are the 8×8 area averages of the images the same rng picks at full size.
    const small = task.sampleBatch(Rng.seeded(3));
    const full = mnistMlpFamily({ batchSize: 64 }).sample(Rng.seeded(1)).sampleBatch(Rng.seeded(3));
    expect(small.x.shape).toEqual([64, 64]);
    const expected = resizeImages(
      full.x.dataSync() as Float32Array,
      { count: 64, height: 28, width: 28, channels: 1 },
      { height: 8, width: 8 },
    );
    const got = small.x.dataSync();
    for (let i = 0; i < expected.length; i++) expect(got[i]).toBeCloseTo(expected[i]!, 6);
    expect(labelsOf(small)).toEqual(labelsOf(full));
    tf.dispose([p, small, full]);
  });

  it('is reproducible: same seeds give the same θ₀ and batch; different seeds differ', () => {
    const fam = mnistMlpFamily({ batchSize: 16 });
    const a = fam.sample(Rng.seeded(1));
    const b = fam.sample(Rng.seeded(1));
    const pa = a.init(Rng.seeded(2));
    const pb = b.init(Rng.seeded(2));
    const pc = a.init(Rng.seeded(3));
    expect(Array.from(pa['layer0/w']!.dataSync())).toEqual(Array.from(pb['layer0/w']!.dataSync()));
    expect(Array.from(pa['layer0/w']!.dataSync())).not.toEqual(Array.from(pc['layer0/w']!.dataSync()));
    const ba = a.sampleBatch(Rng.seeded(4));
    const bb = b.sampleBatch(Rng.seeded(4));
    const bc = a.sampleBatch(Rng.seeded(5));
    expect(Array.from(ba.x.dataSync())).toEqual(Array.from(bb.x.dataSync()));
    expect(labelsOf(ba)).toEqual(labelsOf(bb));
    expect(Array.from(ba.x.dataSync())).not.toEqual(Array.from(bc.x.dataSync()));
    tf.dispose([pa, pb, pc, ba, bb, bc]);
  });

  it('draws batches only from its own split', () => {
    const val = loadMnistSplit('validation');
    const test = loadMnistSplit('test');
    const key = (a: Float32Array, i: number): string =>
      Array.from(a.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)).join(',');
    const index = (s: typeof val): Map<string, number> => {
      const m = new Map<string, number>();
      for (let i = 0; i < s.size; i++) m.set(key(s.images, i), s.labels[i]!);
      return m;
    };
    const valIndex = index(val);
    const testIndex = index(test);
    for (const [split, own, other] of [
      ['validation', valIndex, testIndex],
      ['test', testIndex, valIndex],
    ] as const) {
      const task = mnistMlpFamily({ split, batchSize: 64 }).sample(Rng.seeded(1));
      const batch = task.sampleBatch(Rng.seeded(2));
      const x = batch.x.dataSync() as Float32Array;
      const labels = labelsOf(batch);
      for (let r = 0; r < 64; r++) {
        expect(own.get(key(x, r))).toBe(labels[r]);
        expect(other.has(key(x, r))).toBe(false);
      }
      tf.dispose(batch);
    }
  });

  it('does not leak tensors across loss and gradient evaluations', () => {
    const task = mnistMlpFamily({ hidden: [20, 20], activation: 'relu' }).sample(Rng.seeded(1));
    const p = task.init(Rng.seeded(2));
    const rng = Rng.seeded(3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      const batch = task.sampleBatch(rng);
      const { loss, grads } = lossAndGrad(task, p, batch);
      task.accuracy(p, batch);
      tf.dispose([batch, loss, grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(p);
  });

  it('rejects bad options, naming the field and the allowed values', () => {
    expect(() => mnistMlpFamily({ split: 'dev' as 'train' })).toThrow(
      /mnistMlp\.split: unknown "dev"; allowed values: train, validation, test/,
    );
    expect(() => mnistMlpFamily({ hidden: [20, 0] })).toThrow(/mnistMlp\.hidden/);
    expect(() => mnistMlpFamily({ activation: 'swish' as 'relu' })).toThrow(
      /mnistMlp\.activation: unknown "swish"; allowed values: sigmoid, relu, tanh, gelu/,
    );
    expect(() => mnistMlpFamily({ initStd: 'lecun' as 'he' })).toThrow(/mnistMlp\.initStd: .*'glorot' or 'he'/);
    expect(() => mnistMlpFamily({ l2: -1 })).toThrow(/mnistMlp\.l2: must be a finite number ≥ 0/);
    expect(() => mnistMlpFamily({ imageSide: 29 })).toThrow(/mnistMlp\.imageSide: must be an integer in 1…28/);
    expect(() => mnistMlpFamily({ batchSize: 0 })).toThrow(/mnistMlp\.batchSize/);
    expect(() => mnistMlpFamily({ initStd: -1 })).toThrow(/mnistMlp\.initStd/);
    expect(() => mnistMlpFamily({ validationSize: 1.5 })).toThrow(/mnistMlp\.validationSize/);
    expect(() => mnistMlpFamily({ split: 'validation', validationSize: 0 })).toThrow(/mnistMlp\.split/);
    expect(() => mnistMlpFamily({ hiden: [3] } as never)).toThrow(/unknown option "hiden"/);
    const task = mnistMlpFamily().sample(Rng.seeded(1));
    const batch = task.sampleBatch(Rng.seeded(1));
    expect(() => task.loss({}, batch)).toThrow(/params must hold "layer0\/w" and "layer0\/b"/);
    tf.dispose(batch);
  });
});
