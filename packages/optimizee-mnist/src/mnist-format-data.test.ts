import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { disposeMap, initEngine, L2oIoError, lossAndGrad, Rng } from '@l2o/core';
import { encodeIdx, readIdxFile } from './idx-reader.js';
import { MNIST_DIR_ENV, loadMnistSplit } from './mnist-data.js';
import { mnistMlpFamily } from './mlp-family.js';

// A small MNIST-format data set written by the test: 3×4-pixel images, labels 0…2, 30 training and 10 test images.
const ROWS = 3;
const COLS = 4;
const root = mkdtempSync(join(tmpdir(), 'l2o-idx-data-'));
const plain = join(root, 'tiny-plain');
const gz = join(root, 'tiny-gz');
const dotted = join(root, 'tiny-dotted');

function images(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n * ROWS * COLS }, (_, i) => (i * 37 + seed * 11) % 256);
}
function labels(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i + seed) % 3);
}
const FILES = {
  'train-images-idx3-ubyte': encodeIdx([30, ROWS, COLS], images(30, 1)),
  'train-labels-idx1-ubyte': encodeIdx([30], labels(30, 1)),
  't10k-images-idx3-ubyte': encodeIdx([10, ROWS, COLS], images(10, 2)),
  't10k-labels-idx1-ubyte': encodeIdx([10], labels(10, 2)),
};

beforeAll(async () => {
  await initEngine('wasm');
  for (const d of [plain, gz, dotted]) mkdirSync(d);
  for (const [name, bytes] of Object.entries(FILES)) {
    writeFileSync(join(plain, name), bytes);
    writeFileSync(join(gz, `${name}.gz`), gzipSync(bytes));
    writeFileSync(join(dotted, name.replace(/-(idx\d-ubyte)$/, '.$1')), bytes);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('MNIST-format data from a folder or from files', () => {
  it('reads a folder of plain IDX files: sizes, values byte/255, classes from the labels, validation carved off', () => {
    const train = loadMnistSplit('train', { data: { dir: plain }, validationSize: 10 });
    const val = loadMnistSplit('validation', { data: { dir: plain }, validationSize: 10 });
    const test = loadMnistSplit('test', { data: { dir: plain } });
    expect([train.size, val.size, test.size]).toEqual([20, 10, 10]);
    expect([train.pixels, train.classes]).toEqual([ROWS * COLS, 3]);
    const bytes = images(30, 1);
    expect(Array.from(train.images.subarray(0, 5))).toEqual(
      Array.from(bytes.subarray(0, 5), (b) => Math.fround(b / 255)),
    );
    expect(val.images[0]).toBe(Math.fround(bytes[20 * ROWS * COLS]! / 255));
    expect(Array.from(test.labels)).toEqual(Array.from(labels(10, 2)));
  });

  it('reads gzipped files (the usual distribution) and the dotted file names alike', () => {
    for (const dir of [gz, dotted]) {
      const a = loadMnistSplit('test', { data: { dir } });
      const b = loadMnistSplit('test', { data: { dir: plain } });
      expect(Array.from(a.images)).toEqual(Array.from(b.images));
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    }
    expect(readIdxFile(join(gz, 'train-labels-idx1-ubyte.gz'), 'labels').dims).toEqual([30]);
  });

  it('takes the four files by path, and $L2O_MNIST_DIR when no source is given', () => {
    const files = {
      trainImages: join(gz, 'train-images-idx3-ubyte.gz'),
      trainLabels: join(plain, 'train-labels-idx1-ubyte'),
      testImages: join(plain, 't10k-images-idx3-ubyte'),
      testLabels: join(gz, 't10k-labels-idx1-ubyte.gz'),
    };
    expect(loadMnistSplit('train', { data: { files }, validationSize: 0 }).size).toBe(30);
    const before = process.env[MNIST_DIR_ENV];
    process.env[MNIST_DIR_ENV] = dotted;
    try {
      expect(mnistMlpFamily({ split: 'test', hidden: [5] }).name).toBe('mnist-mlp-12-5-3-sigmoid-test@tiny-dotted');
    } finally {
      if (before === undefined) delete process.env[MNIST_DIR_ENV];
      else process.env[MNIST_DIR_ENV] = before;
    }
  });

  it('a family on other data sizes its layers from the data and trains like MNIST', () => {
    const family = mnistMlpFamily({ split: 'train', hidden: [5], batchSize: 4, validationSize: 10, data: { dir: gz } });
    expect(family.name).toBe('mnist-mlp-12-5-3-sigmoid-train@tiny-gz');
    const named = mnistMlpFamily({ split: 'test', data: { dir: gz, name: 'fashion' } });
    expect(named.name).toBe('mnist-mlp-12-20-3-sigmoid-test@fashion');
    const before = tf.memory().numTensors;
    const rng = Rng.seeded(3);
    const task = family.sample(rng.fork());
    expect(task.size).toBe((12 + 1) * 5 + (5 + 1) * 3);
    const theta = task.init(rng.fork());
    const batch = task.sampleBatch(rng.fork());
    expect([batch.x.shape, batch.y.shape]).toEqual([
      [4, 12],
      [4, 3],
    ]);
    const { loss, grads } = lossAndGrad(task, theta, batch);
    // At θ ≈ 0 the softmax is nearly uniform over 3 classes: loss ≈ ln 3.
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(3), 2);
    tf.dispose([loss, batch.x, batch.y]);
    disposeMap(grads);
    disposeMap(theta);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('errors name the folder or file, and the expected magic', () => {
    const missing = join(root, 'nope');
    expect(() => loadMnistSplit('test', { data: { dir: missing } })).toThrow(L2oIoError);
    expect(() => loadMnistSplit('test', { data: { dir: missing } })).toThrow(
      `${missing}: mnist.data.dir: the folder does not exist`,
    );
    const partial = join(root, 'partial');
    mkdirSync(partial);
    copyFileSync(join(plain, 'train-images-idx3-ubyte'), join(partial, 'train-images-idx3-ubyte'));
    expect(() => loadMnistSplit('test', { data: { dir: partial } })).toThrow(
      /partial: mnist\.data\.dir: no train-labels-idx1-ubyte, train-labels-idx1-ubyte\.gz, train-labels\.idx1-ubyte, train-labels\.idx1-ubyte\.gz in it/,
    );
    // Labels where images belong: the wrong magic, named with the one expected.
    const swapped = join(root, 'swapped');
    mkdirSync(swapped);
    for (const name of Object.keys(FILES)) copyFileSync(join(plain, name), join(swapped, name));
    copyFileSync(join(plain, 't10k-labels-idx1-ubyte'), join(swapped, 't10k-images-idx3-ubyte'));
    expect(() => loadMnistSplit('test', { data: { dir: swapped } })).toThrow(
      `${join(swapped, 't10k-images-idx3-ubyte')}: wrong IDX magic 0x00000801; expected 0x00000803`,
    );
    // The same inside a gzip stream, and a damaged gzip stream.
    writeFileSync(join(swapped, 't10k-images-idx3-ubyte'), gzipSync(FILES['t10k-labels-idx1-ubyte']));
    expect(() => loadMnistSplit('test', { data: { dir: swapped } })).toThrow(
      `${join(swapped, 't10k-images-idx3-ubyte')} (gunzipped): wrong IDX magic 0x00000801; expected 0x00000803`,
    );
    writeFileSync(join(swapped, 't10k-images-idx3-ubyte'), gzipSync(FILES['t10k-images-idx3-ubyte']).subarray(0, 20));
    expect(() => loadMnistSplit('test', { data: { dir: swapped } })).toThrow(
      new RegExp(
        `${join(swapped, 't10k-images-idx3-ubyte').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not a valid gzip file`,
      ),
    );
    expect(() => mnistMlpFamily({ data: { dir: plain, name: 'a b' } })).toThrow(/mnist\.data\.name/);
  });
});
