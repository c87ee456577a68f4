import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

describe('Rng', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const a = Rng.seeded(1, 2);
    const b = Rng.seeded(1, 2);
    const c = Rng.seeded(1, 3);
    const xa = Array.from({ length: 5 }, () => a.uniform());
    const xb = Array.from({ length: 5 }, () => b.uniform());
    const xc = Array.from({ length: 5 }, () => c.uniform());
    expect(xa).toEqual(xb);
    expect(xa).not.toEqual(xc);
  });

  it('draws normals with mean 0 and variance 1', () => {
    const r = Rng.seeded(7);
    const x = r.normalArray(200_000);
    let m = 0;
    for (const v of x) m += v;
    m /= x.length;
    let s = 0;
    for (const v of x) s += (v - m) ** 2;
    s /= x.length;
    expect(Math.abs(m)).toBeLessThan(0.01);
    expect(Math.abs(s - 1)).toBeLessThan(0.01);
  });

  it('rejects bad arguments with the field named', () => {
    expect(() => Rng.seeded()).toThrow(/seed/);
    expect(() => Rng.seeded(1).int(0)).toThrow(/positive integer/);
  });
});
