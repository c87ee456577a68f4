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

  it('saves and restores its complete state, including a pending normal, through JSON', () => {
    for (const draws of [0, 1, 3]) {
      const a = Rng.seeded(5, 9);
      for (let i = 0; i < draws; i++) a.normal(); // an odd count leaves the spare of a Box–Muller pair pending
      const saved = JSON.parse(JSON.stringify(a.state())) as number[];
      expect(saved).toHaveLength(draws % 2 === 1 ? 5 : 4);
      const b = Rng.fromState(saved);
      const next = (r: Rng): number[] => [r.normal(), r.uniform(), r.nextUint32(), r.normal(), r.normal()];
      expect(next(b)).toEqual(next(a));
    }
    const forked = Rng.seeded(1).fork();
    expect(Rng.fromState(forked.state()).uniformArray(4)).toEqual(forked.uniformArray(4));
  });

  it('refuses a malformed state, naming what a state must be', () => {
    for (const bad of [
      [],
      [1, 2, 3],
      [0, 0, 0, 0],
      [1, 2, 3, -1],
      [1, 2, 3, 2 ** 32],
      [1, 2, 3, 1.5],
      [1, 2, 3, 4, NaN],
    ]) {
      expect(() => Rng.fromState(bad)).toThrow(/Rng\.fromState: state must be 4 unsigned 32-bit integers/);
    }
  });
});
