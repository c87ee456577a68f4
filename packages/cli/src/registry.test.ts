import { describe, expect, it } from 'vitest';
import { makeFamily, suiteWeights } from './registry.js';
import { TASK_FLAGS } from './registry.js';
import type { FlagValue } from './args.js';

const tasks = [
  { id: 'a-mlp', kind: 'mlp' },
  { id: 'b-mlp', kind: 'mlp' },
  { id: 'c-quad', kind: 'quadratic' },
];

const defaults = (): Record<string, FlagValue> =>
  Object.fromEntries(Object.entries(TASK_FLAGS).map(([k, spec]) => [k, spec.default as FlagValue]));

describe('--suite-weights', () => {
  it('parses NAME:WEIGHT by kind or task id; an id wins over its kind', () => {
    expect(suiteWeights(['quadratic:3', 'mlp:0.5', 'b-mlp:2'], tasks)).toEqual([0.5, 2, 3]);
    expect(suiteWeights([], tasks)).toEqual([1, 1, 1]);
  });

  it('names the flag and the allowed values for bad entries', () => {
    expect(() => suiteWeights(['cnn:2'], tasks)).toThrow(
      /--suite-weights: "cnn" is neither a kind nor a train task of the suite; allowed values: mlp, quadratic, a-mlp, b-mlp, c-quad/,
    );
    expect(() => suiteWeights(['mlp'], tasks)).toThrow(/--suite-weights: "mlp" needs NAME:WEIGHT/);
    expect(() => suiteWeights(['mlp:-1'], tasks)).toThrow(/WEIGHT a number ≥ 0/);
    expect(() => suiteWeights(['mlp:0', 'quadratic:0'], tasks)).toThrow(/every task has weight 0/);
  });

  it("weights the suite's meta-training mixture (its name carries the weights) and leaves out weight-0 tasks", () => {
    const flags = {
      ...defaults(),
      task: 'suite',
      'suite-weights': ['quadratic:3', 'mlp:0', 'linear:0', 'autoencoder:0'],
    };
    const name = makeFamily(flags, 'train').name;
    expect(name).toMatch(/^mixture\(/);
    const parts = name.slice('mixture('.length, -1).split(', ');
    expect(parts.length).toBeGreaterThan(0);
    // Only the quadratics are left, each at weight 3.
    for (const p of parts) expect(p).toMatch(/quadratic.*:3$/);
    const uniform = makeFamily({ ...defaults(), task: 'suite' }, 'train').name;
    expect(uniform.slice('mixture('.length, -1).split(', ').length).toBeGreaterThan(parts.length);
    // Validation stays uniform.
    expect(makeFamily(flags, 'validation').name).toBe(makeFamily({ ...defaults(), task: 'suite' }, 'validation').name);
  });
});
