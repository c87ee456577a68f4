import { describe, expect, it } from 'vitest';
import { compactJson } from './report.js';

describe('compactJson', () => {
  it('keeps 6 significant digits, writes non-finite numbers as null and puts arrays of numbers on one line', () => {
    const value = {
      tuned: [{ name: 'adam', best: 0.00228 }],
      result: {
        curves: [{ name: 'x', mean: [0.5772156649015329, 0.123456789, Number.NaN], losses: [[1e-7, -2.5e10, 3]] }],
      },
    };
    const text = compactJson(value);
    expect(text).toContain('"mean": [0.577216, 0.123457, null]');
    expect(text).toContain('[1e-7, -25000000000, 3]');
    expect(JSON.parse(text)).toEqual({
      tuned: [{ name: 'adam', best: 0.00228 }],
      result: { curves: [{ name: 'x', mean: [0.577216, 0.123457, null], losses: [[1e-7, -2.5e10, 3]] }] },
    });
    // Objects keep their indentation (one key per line).
    expect(text.split('\n').length).toBeGreaterThan(8);
  });
});
