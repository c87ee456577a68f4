import { describe, expect, it } from 'vitest';
import { classSubset } from './class-subset.js';
import { CIFAR10_CLASSES, checkImageDataset, type ImageDataset } from './dataset.js';

function tenClass(): ImageDataset {
  const labels = Uint8Array.from([0, 3, 5, 9, 3, 1, 5, 7]);
  const images = new Float32Array(labels.length * 12);
  for (let i = 0; i < images.length; i++) images[i] = Math.floor(i / 12); // each image filled with its index
  return {
    name: 'src',
    size: labels.length,
    height: 2,
    width: 2,
    channels: 3,
    images,
    labels,
    numClasses: 10,
    classNames: CIFAR10_CLASSES,
  };
}

describe('classSubset', () => {
  it('keeps only the given classes, in source order, copying their pixels', () => {
    const s = classSubset(tenClass(), [5, 3]);
    checkImageDataset(s);
    expect(s.size).toBe(4);
    expect(Array.from(s.labels)).toEqual([3, 5, 3, 5]);
    expect(s.numClasses).toBe(10);
    expect([0, 1, 2, 3].map((i) => s.images[i * 12])).toEqual([1, 2, 4, 6]);
    expect(s.name).toBe('src-classes-5-3');
  });

  it('relabels 0…k−1 in the order given, by number or class name', () => {
    const s = classSubset(tenClass(), ['dog', 'cat', 'truck'], { relabel: true, name: 'cifar-3' });
    checkImageDataset(s);
    expect(Array.from(s.labels)).toEqual([1, 0, 2, 1, 0]);
    expect(s.numClasses).toBe(3);
    expect(s.classNames).toEqual(['dog', 'cat', 'truck']);
    expect(s.name).toBe('cifar-3');
  });

  it('rejects unknown, duplicate or missing labels, naming the allowed values', () => {
    expect(() => classSubset(tenClass(), [10])).toThrow(
      /classSubset\.labels: 10 is not a label of "src"; allowed: 0…9 or airplane/,
    );
    expect(() => classSubset(tenClass(), ['unicorn'])).toThrow(/"unicorn" is not a label/);
    expect(() => classSubset(tenClass(), [3, 'cat'])).toThrow(/duplicates/);
    expect(() => classSubset(tenClass(), [])).toThrow(/non-empty array/);
  });
});
