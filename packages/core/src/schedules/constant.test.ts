import { describe, expect, it } from 'vitest';
import { constantSchedule } from './constant.js';

describe('constantSchedule', () => {
  it('gives its value at every step and records it', () => {
    const s = constantSchedule(0.3);
    expect([0, 1, 17, 1e6].map(s)).toEqual([0.3, 0.3, 0.3, 0.3]);
    expect(s.config).toEqual({ name: 'constantSchedule', value: 0.3 });
    expect(JSON.stringify(s)).toBe('{"name":"constantSchedule","value":0.3}');
  });

  it('rejects a value that is not a finite number', () => {
    expect(() => constantSchedule(Number.POSITIVE_INFINITY)).toThrow(
      /constantSchedule: value must be a finite number; got Infinity/,
    );
  });
});
