import { describe, expect, it } from 'vitest';
import { Rng } from '@l2o/core';
import { COPY_DELIMITER, copyTask } from './copy-task.js';

describe('copyTask', () => {
  it('reads a₁…a_k, the delimiter, a₁…a_{k−1}; must output a₁…a_k after the delimiter, and only that counts', () => {
    const task = copyTask({ vocab: 6, copyLength: 3 });
    expect(task).toMatchObject({ name: 'copy-v6-k3', vocab: 6, length: 6 });
    const batch = task.sampleInstance(Rng.seeded(1)).sampleTokens(Rng.seeded(2), 50);
    for (let b = 0; b < 50; b++) {
      const x = Array.from(batch.inputs.subarray(b * 6, b * 6 + 6));
      const y = Array.from(batch.targets.subarray(b * 6, b * 6 + 6));
      const m = Array.from(batch.mask.subarray(b * 6, b * 6 + 6));
      const a = x.slice(0, 3);
      expect(a.every((v) => v >= 1 && v < 6)).toBe(true);
      expect(x[3]).toBe(COPY_DELIMITER);
      expect(x.slice(4)).toEqual(a.slice(0, 2));
      expect(y.slice(3)).toEqual(a);
      expect(m).toEqual([0, 0, 0, 1, 1, 1]);
    }
  });

  it('uses every content token, is reproducible from the Rng, and refuses bad options', () => {
    const inst = copyTask({ vocab: 4, copyLength: 2 }).sampleInstance(Rng.seeded(1));
    const a = inst.sampleTokens(Rng.seeded(3), 200);
    const b = inst.sampleTokens(Rng.seeded(3), 200);
    expect(Array.from(a.inputs)).toEqual(Array.from(b.inputs));
    expect(new Set(a.inputs)).toEqual(new Set([0, 1, 2, 3]));
    expect(() => copyTask({ vocab: 2 })).toThrow(/copyTask\.vocab: must be an integer ≥ 3, got 2/);
    expect(() => copyTask({ copyLength: 0 })).toThrow(/copyTask\.copyLength/);
    expect(() => copyTask({ k: 3 } as never)).toThrow(/unknown option "k"/);
  });
});
