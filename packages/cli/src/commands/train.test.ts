import { describe, expect, it } from 'vitest';
import { augmentFamily, linearLossWeights, longestHorizon, parseHorizonFlag } from './train.js';

describe('linearLossWeights', () => {
  it("grows linearly from 2/(T+1) to 2T/(T+1) and sums to T (the uniform weights' total)", () => {
    for (const T of [1, 7, 200]) {
      const w = linearLossWeights(T);
      expect(w).toHaveLength(T);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(T, 9);
      expect(w[0]).toBeCloseTo(2 / (T + 1), 12);
      expect(w[T - 1]).toBeCloseTo((2 * T) / (T + 1), 12);
      for (let i = 1; i < T; i++) expect(w[i]! - w[i - 1]!).toBeCloseTo(2 / (T + 1), 12);
    }
  });
});

describe('parseHorizonFlag', () => {
  it('reads N as a fixed horizon and MIN:MAX as a log-uniform range; names --horizon otherwise', () => {
    expect(parseHorizonFlag('100')).toBe(100);
    expect(parseHorizonFlag(100)).toBe(100);
    expect(parseHorizonFlag('100:2000')).toEqual({ min: 100, max: 2000 });
    expect(longestHorizon('100:2000')).toBe(2000);
    for (const bad of ['0', '2000:100', 'a', '1:2:3', '10:', '1.5']) {
      expect(() => parseHorizonFlag(bad)).toThrow(/--horizon: expected a positive whole number N or MIN:MAX/);
    }
  });
});

describe('augmentFamily', () => {
  it('wraps the training family in each augmentation in turn; names --augment and the allowed forms', () => {
    const base = { name: 'q', sample: () => ({}) as never };
    expect(augmentFamily(base, []).name).toBe('q');
    expect(augmentFamily(base, ['reparam:global:1e-3:1e3', 'loss-scale:0.1:10']).name).toBe(
      'q+reparam(global,0.001..1000)+loss-scale(0.1..10)',
    );
    expect(() => augmentFamily(base, ['reparam:layer:1:2'])).toThrow(
      /--augment: unknown level "layer".*allowed values: global, tensor, parameter/,
    );
    expect(() => augmentFamily(base, ['reparam:global:0:1'])).toThrow(/--augment: bad range/);
    expect(() => augmentFamily(base, ['mixup'])).toThrow(
      /--augment: unknown augmentation "mixup"; allowed: reparam:LEVEL/,
    );
  });
});
