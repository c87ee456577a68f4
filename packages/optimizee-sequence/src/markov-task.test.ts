import { describe, expect, it } from 'vitest';
import { Rng } from '@l2o/core';
import { markovTask } from './markov-task.js';
import type { MarkovChain } from './markov-task.js';

describe('markovTask', () => {
  it('draws a stochastic matrix per instance and sequences that follow it (targets are the next tokens)', () => {
    const task = markovTask({ vocab: 4, length: 50, sharpness: 2 });
    expect(task).toMatchObject({ name: 'markov-v4-l50', vocab: 4, length: 50 });
    const chain = task.sampleInstance(Rng.seeded(1)) as MarkovChain;
    const P = chain.transitions;
    for (let i = 0; i < 4; i++) {
      const row = Array.from(P.subarray(i * 4, i * 4 + 4));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    const batch = chain.sampleTokens(Rng.seeded(2), 400);
    expect(batch.inputs.length).toBe(400 * 50);
    expect(Array.from(batch.mask).every((m) => m === 1)).toBe(true);
    const counts = new Float64Array(16);
    for (let b = 0; b < 400; b++) {
      for (let t = 0; t < 50; t++) {
        const i = b * 50 + t;
        if (t + 1 < 50) expect(batch.inputs[i + 1]).toBe(batch.targets[i]);
        counts[batch.inputs[i]! * 4 + batch.targets[i]!]! += 1;
      }
    }
    // Empirical transition frequencies within 4 standard errors of P.
    for (let i = 0; i < 4; i++) {
      const n = counts.subarray(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0);
      expect(n).toBeGreaterThan(100);
      for (let j = 0; j < 4; j++) {
        const p = P[i * 4 + j]!;
        expect(Math.abs(counts[i * 4 + j]! / n - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / n) + 1e-3);
      }
    }
  });

  it('entropy rate: ln V for a uniform chain (sharpness 0), lower for a sharper one', () => {
    const flat = markovTask({ vocab: 5, sharpness: 0 }).sampleInstance(Rng.seeded(1)) as MarkovChain;
    expect(flat.entropyRate()).toBeCloseTo(Math.log(5), 10);
    const sharp = markovTask({ vocab: 5, sharpness: 4 }).sampleInstance(Rng.seeded(1)) as MarkovChain;
    expect(sharp.entropyRate()).toBeLessThan(0.8 * Math.log(5));
  });

  it('is reproducible from the Rng, and refuses bad options naming the field', () => {
    const task = markovTask();
    const a = task.sampleInstance(Rng.seeded(3)) as MarkovChain;
    const b = task.sampleInstance(Rng.seeded(3)) as MarkovChain;
    const c = task.sampleInstance(Rng.seeded(4)) as MarkovChain;
    expect(Array.from(a.transitions)).toEqual(Array.from(b.transitions));
    expect(Array.from(a.transitions)).not.toEqual(Array.from(c.transitions));
    expect(Array.from(a.sampleTokens(Rng.seeded(5), 3).inputs)).toEqual(
      Array.from(b.sampleTokens(Rng.seeded(5), 3).inputs),
    );
    expect(() => markovTask({ vocab: 1 })).toThrow(/markovTask\.vocab: must be an integer ≥ 2, got 1/);
    expect(() => markovTask({ length: 0 })).toThrow(/markovTask\.length/);
    expect(() => markovTask({ sharpness: -1 })).toThrow(/markovTask\.sharpness/);
    expect(() => markovTask({ states: 3 } as never)).toThrow(
      /unknown option "states"; allowed: vocab, length, sharpness/,
    );
  });
});
