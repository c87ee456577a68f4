import { describe, expect, it } from 'vitest';
import { LUMA_WEIGHTS, resizeImages } from './image-resize.js';
import { Rng } from './rng.js';

describe('resizeImages', () => {
  it('averages whole blocks when the ratio is an integer (4×4 → 2×2, two channels)', () => {
    const rng = Rng.seeded(1);
    const img = rng.uniformArray(2 * 4 * 4 * 2);
    const out = resizeImages(img, { count: 2, height: 4, width: 4, channels: 2 }, { height: 2, width: 2 });
    expect(out.length).toBe(2 * 2 * 2 * 2);
    const at = (n: number, y: number, x: number, c: number): number => img[((n * 4 + y) * 4 + x) * 2 + c]!;
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++)
          for (let c = 0; c < 2; c++) {
            const block = [0, 1].flatMap((dy) => [0, 1].map((dx) => at(n, 2 * i + dy, 2 * j + dx, c)));
            const mean = block.reduce((a, b) => a + b, 0) / 4;
            expect(out[((n * 2 + i) * 2 + j) * 2 + c]).toBeCloseTo(mean, 6);
          }
  });

  it('splits cut pixels by area for any ratio (3 → 2: weights 2/3, 1/3 and 1/3, 2/3) and keeps the mean intensity', () => {
    const img = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]); // one 3×3 grey image
    const out = resizeImages(img, { count: 1, height: 3, width: 3, channels: 1 }, { height: 2, width: 2 });
    const w = [
      [2 / 3, 1 / 3, 0],
      [0, 1 / 3, 2 / 3],
    ];
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++) {
        let s = 0;
        for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) s += w[i]![y]! * w[j]![x]! * img[y * 3 + x]!;
        expect(out[i * 2 + j]).toBeCloseTo(s, 6);
      }
    const rng = Rng.seeded(2);
    const big = rng.uniformArray(28 * 28);
    const small = resizeImages(big, { count: 1, height: 28, width: 28, channels: 1 }, { height: 8, width: 8 });
    const mean = (a: Float32Array): number => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(small)).toBeCloseTo(mean(big), 5);
    // A constant image stays constant.
    const flat = resizeImages(
      new Float32Array(28 * 28).fill(0.25),
      { count: 1, height: 28, width: 28, channels: 1 },
      {
        height: 8,
        width: 8,
      },
    );
    for (const v of flat) expect(v).toBeCloseTo(0.25, 6);
  });

  it('converts RGB to grey with the BT.601 luma weights', () => {
    const img = Float32Array.from([0.2, 0.5, 0.9, 1, 0, 0.5]); // 1×2 image, 3 channels
    const out = resizeImages(img, { count: 1, height: 1, width: 2, channels: 3 }, { height: 1, width: 2, grey: true });
    expect(out.length).toBe(2);
    expect(out[0]).toBeCloseTo(LUMA_WEIGHTS[0] * 0.2 + LUMA_WEIGHTS[1] * 0.5 + LUMA_WEIGHTS[2] * 0.9, 6);
    expect(out[1]).toBeCloseTo(LUMA_WEIGHTS[0] * 1 + LUMA_WEIGHTS[2] * 0.5, 6);
  });

  it('rejects bad input, naming the field', () => {
    const g = { count: 1, height: 4, width: 4, channels: 1 };
    const img = new Float32Array(16);
    expect(() => resizeImages(img, g, { height: 5, width: 2 })).toThrow(/height must be an integer in 1…4, got 5/);
    expect(() => resizeImages(img, g, { height: 2, width: 0 })).toThrow(/width must be an integer in 1…4/);
    expect(() => resizeImages(new Float32Array(15), g, { height: 2, width: 2 })).toThrow(
      /images must be a Float32Array/,
    );
    expect(() => resizeImages(img, { ...g, channels: 0 }, { height: 2, width: 2 })).toThrow(/from\.channels/);
    expect(() =>
      resizeImages(new Float32Array(32), { ...g, channels: 2 }, { height: 2, width: 2, grey: true }),
    ).toThrow(/grey needs 1 or 3 input channels, got 2/);
  });
});
