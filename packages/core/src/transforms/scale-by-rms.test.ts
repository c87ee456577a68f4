import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { scaleByRms } from './scale-by-rms.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

const close = (got: readonly number[], want: readonly number[]): void => {
  want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(w))));
};

describe('scaleByRms', () => {
  it('two steps by hand: s ← ρs + (1−ρ)u², out = u / √(s + ε)', () => {
    const [rho, eps] = [0.75, 1e-4];
    const g = [
      [2, -4],
      [1, 1],
    ];
    const run = runSteps(scaleByRms({ decay: rho, eps }), { x: [0, 0] }, [{ x: g[0]! }, { x: g[1]! }]);
    let s = [0, 0];
    g.forEach((gt, t) => {
      s = s.map((si, i) => rho * si + (1 - rho) * gt[i]! ** 2);
      close(
        run.updates[t]!['x']!,
        gt.map((x, i) => x / Math.sqrt(s[i]! + eps)),
      );
    });
    expect(run.states[0]).toEqual({ meanSquare: { x: [1, 4] }, meanGrad: {} });
  });

  it('numeratorScale multiplies u before the division; the statistics stay those of u', () => {
    const plain = runSteps(scaleByRms({ decay: 0.5, eps: 1e-6 }), { x: [0] }, [{ x: [3] }, { x: [-1] }]);
    const scaled = runSteps(scaleByRms({ decay: 0.5, eps: 1e-6, numeratorScale: 0.1 }), { x: [0] }, [
      { x: [3] },
      { x: [-1] },
    ]);
    expect(scaled.states).toEqual(plain.states);
    close(scaled.updates[1]!['x']!, [(0.1 * -1) / Math.sqrt(0.5 * 0.5 * 9 + 0.5 * 1 + 1e-6)]);
  });

  it('centered: the denominator is √(s − ū² + ε)', () => {
    const [rho, eps] = [0.5, 1e-3];
    const run = runSteps(scaleByRms({ decay: rho, eps, centered: true }), { x: [0] }, [{ x: [2] }, { x: [1] }]);
    // s₁ = 2, ū₁ = 1; s₂ = 1 + 0.5 = 1.5, ū₂ = 0.5 + 0.5 = 1
    close(run.updates[0]!['x']!, [2 / Math.sqrt(2 - 1 + eps)]);
    close(run.updates[1]!['x']!, [1 / Math.sqrt(1.5 - 1 + eps)]);
    expect(run.states[1]).toEqual({ meanSquare: { x: [1.5] }, meanGrad: { x: [1] } });
  });

  it('records its config, names itself and rejects bad options by name', () => {
    expect(scaleByRms().config).toEqual({ name: 'scaleByRms', decay: 0.9, centered: false, numeratorScale: 1 });
    expect(scaleByRms({ centered: true, eps: 1e-8 }).name).toBe('scaleByRms(eps=1e-8, centered=true)');
    expect(() => scaleByRms({ decay: 1 })).toThrow(/scaleByRms: decay must be a number in \[0, 1\)/);
    expect(() => scaleByRms({ eps: -1 })).toThrow(/scaleByRms: eps must be a finite number > 0/);
    expect(() => scaleByRms({ numeratorScale: 0 })).toThrow(/scaleByRms: numeratorScale must be a finite number > 0/);
    expect(() => scaleByRms({ centered: 'no' as unknown as boolean })).toThrow(
      /scaleByRms: centered must be true or false/,
    );
    const opt = scaleByRms({ centered: true });
    const p = { x: tf.zeros([2]) };
    expect(() => opt.update(p, { meanSquare: p } as never, p)).toThrow(
      /scaleByRms\.update: state must be \{ meanSquare, meanGrad \}/,
    );
    tf.dispose(p);
  });
});
