import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, evaluate, initEngine, lossAndGrad, Rng, type TensorMap } from '@l2o/core';
import { autoencoderLayerSizes, mnistAutoencoderFamily } from './autoencoder-family.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const tanh = (v: number): number => Math.tanh(v);
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Float64 reference: mean over pixels and images of (sigmoid(decoder(encoder(x))) − x)², tanh hidden layers. */
function referenceLoss(p: Record<string, Float64Array>, sizes: number[], x: Float32Array, batch: number): number {
  const P = sizes[0]!;
  let total = 0;
  for (let r = 0; r < batch; r++) {
    const input = Array.from(x.subarray(r * P, (r + 1) * P));
    let h: number[] = input;
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
      h = l + 2 < sizes.length ? z.map(tanh) : z.map(sigmoid);
    }
    for (let i = 0; i < P; i++) total += (h[i]! - input[i]!) ** 2;
  }
  return total / (batch * P);
}

describe('mnistAutoencoderFamily', () => {
  it('mirrors the encoder widths into the decoder; names, shapes, batches', () => {
    expect(autoencoderLayerSizes([64, 16])).toEqual([784, 64, 16, 64, 784]);
    expect(autoencoderLayerSizes([32], 14)).toEqual([196, 32, 196]);
    const fam = mnistAutoencoderFamily({ hidden: [32], batchSize: 16, imageSide: 14 });
    expect(fam.name).toBe('mnist-autoencoder-196-32-196-relu-train');
    expect(fam.options).toEqual({
      split: 'train',
      hidden: [32],
      activation: 'relu',
      batchSize: 16,
      initStd: 'he',
      validationSize: 10_000,
      imageSide: 14,
    });
    const task = fam.sample(Rng.seeded(1));
    expect(task.name).toBe('mnist-autoencoder-196-32-196-relu');
    expect(task.size).toBe(197 * 32 + 33 * 196);
    const p = task.init(Rng.seeded(2));
    expect(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, v.shape]))).toEqual({
      'layer0/w': [196, 32],
      'layer0/b': [32],
      'layer1/w': [32, 196],
      'layer1/b': [196],
    });
    const batch = task.sampleBatch(Rng.seeded(3));
    expect(batch.x.shape).toEqual([16, 196]);
    const x = batch.x.dataSync();
    expect(Math.min(...x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...x)).toBeLessThanOrEqual(1);
    tf.dispose([p, batch]);
  });

  it('loss equals a float64 reference and the gradient matches its finite differences', () => {
    const sizes = autoencoderLayerSizes([5, 3], 6);
    const task = mnistAutoencoderFamily({ hidden: [5, 3], activation: 'tanh', batchSize: 3, imageSide: 6 }).sample(
      Rng.seeded(1),
    );
    const init = task.init(Rng.seeded(4));
    const rng = Rng.seeded(5);
    const p: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(init)) {
      p[k] = k.endsWith('/b') ? tf.tensor1d(rng.normalArray(v.size, 0, 0.3)) : v;
    }
    const batch = task.sampleBatch(Rng.seeded(6));
    const x = batch.x.dataSync() as Float32Array;
    const ref: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(p)) ref[k] = Float64Array.from(v.dataSync());
    const { loss, grads } = lossAndGrad(task, p as TensorMap, batch);
    expect(loss.dataSync()[0]).toBeCloseTo(referenceLoss(ref, sizes, x, 3), 6);
    const h = 1e-5;
    let checked = 0;
    for (const [k, g] of Object.entries(grads)) {
      const gv = g.dataSync() as Float32Array;
      const picks = Array.from({ length: Math.min(gv.length, 10) }, (_, i) => Math.floor((i * gv.length) / 10));
      picks.push(gv.reduce((best, v, i) => (Math.abs(v) > Math.abs(gv[best]!) ? i : best), 0));
      for (const i of picks) {
        const a = ref[k]!;
        const keep = a[i]!;
        a[i] = keep + h;
        const up = referenceLoss(ref, sizes, x, 3);
        a[i] = keep - h;
        const down = referenceLoss(ref, sizes, x, 3);
        a[i] = keep;
        const fd = (up - down) / (2 * h);
        expect(Math.abs(gv[i]! - fd)).toBeLessThan(1e-5 + 1e-3 * Math.abs(fd));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    const maxAbs = Math.max(...Object.values(grads).map((g) => Math.max(...Array.from(g.dataSync(), Math.abs))));
    expect(maxAbs).toBeGreaterThan(1e-3);
    tf.dispose([init, p, batch, loss, grads]);
  });

  it('is reproducible from its Rng; draws from its own split; leaks no tensor', () => {
    const fam = mnistAutoencoderFamily({ batchSize: 8 });
    const a = fam.sample(Rng.seeded(1));
    const pa = a.init(Rng.seeded(2));
    const pb = a.init(Rng.seeded(2));
    const pc = a.init(Rng.seeded(3));
    expect(Array.from(pa['layer0/w']!.dataSync())).toEqual(Array.from(pb['layer0/w']!.dataSync()));
    expect(Array.from(pa['layer0/w']!.dataSync())).not.toEqual(Array.from(pc['layer0/w']!.dataSync()));
    const ba = a.sampleBatch(Rng.seeded(4));
    const bb = a.sampleBatch(Rng.seeded(4));
    const bc = mnistAutoencoderFamily({ batchSize: 8, split: 'test' }).sample(Rng.seeded(1)).sampleBatch(Rng.seeded(4));
    expect(Array.from(ba.x.dataSync())).toEqual(Array.from(bb.x.dataSync()));
    expect(Array.from(ba.x.dataSync())).not.toEqual(Array.from(bc.x.dataSync()));
    const before = tf.memory().numTensors;
    const rng = Rng.seeded(5);
    for (let i = 0; i < 4; i++) {
      const batch = a.sampleBatch(rng);
      const { loss, grads } = lossAndGrad(a, pa, batch);
      tf.dispose([batch, loss, grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([pa, pb, pc, ba, bb, bc]);
  });

  it('starts near the loss of predicting 0.5 everywhere and is learnable (Adam halves the error in 100 steps)', async () => {
    const family = mnistAutoencoderFamily({ hidden: [32], batchSize: 64, imageSide: 14 });
    const res = await evaluate({
      family,
      optimizers: [{ name: 'adam', optimizer: adam({ learningRate: 0.01 }) }],
      problems: 1,
      steps: 100,
      seed: 1,
    });
    const curve = res.curves[0]!;
    expect(curve.mean[0]).toBeGreaterThan(0.05);
    expect(curve.mean[100]).toBeLessThan(0.5 * curve.mean[0]!);
  });

  it('rejects bad options, naming the field and the allowed values', () => {
    expect(() => mnistAutoencoderFamily({ hidden: [] })).toThrow(/mnistAutoencoder\.hidden/);
    expect(() => mnistAutoencoderFamily({ activation: 'elu' as 'relu' })).toThrow(
      /mnistAutoencoder\.activation: unknown "elu"; allowed values: sigmoid, relu, tanh, gelu/,
    );
    expect(() => mnistAutoencoderFamily({ split: 'dev' as 'train' })).toThrow(/mnistAutoencoder\.split/);
    expect(() => mnistAutoencoderFamily({ batchSize: 0 })).toThrow(/mnistAutoencoder\.batchSize/);
    expect(() => mnistAutoencoderFamily({ imageSide: 0 })).toThrow(/mnistAutoencoder\.imageSide/);
    expect(() => mnistAutoencoderFamily({ initStd: -1 })).toThrow(/mnistAutoencoder\.initStd/);
    expect(() => mnistAutoencoderFamily({ hiden: [3] } as never)).toThrow(/unknown option "hiden"/);
    const task = mnistAutoencoderFamily().sample(Rng.seeded(1));
    const batch = task.sampleBatch(Rng.seeded(1));
    expect(() => task.loss({}, batch)).toThrow(/params must hold "layer0\/w" and "layer0\/b"/);
    tf.dispose(batch);
  });
});
