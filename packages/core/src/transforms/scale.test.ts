import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { scale } from './scale.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

describe('scale', () => {
  it('out = c·u, no state', () => {
    const run = runSteps(scale(-0.5), { w: [0, 0], b: [0] }, [{ w: [2, -4], b: [1] }]);
    expect(run.updates[0]).toEqual({ w: [-1, 2], b: [-0.5] });
    expect(run.states).toEqual([{}]);
    expect(scale(-1).config).toEqual({ name: 'scale', factor: -1 });
  });

  it('rejects a factor that is not a finite number', () => {
    expect(() => scale(Number.NaN)).toThrow(/scale: factor must be a finite number; got NaN/);
    expect(() => scale(undefined as unknown as number)).toThrow(/scale: factor must be a finite number; got undefined/);
  });
});
