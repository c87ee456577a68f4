import { describe, expect, it } from 'vitest';
import type { OptimizerTaskResult, TaskResult } from './results.js';
import { smallMultiplesSvg } from './small-multiples-svg.js';

function opt(name: string, mean: number[]): OptimizerTaskResult {
  return { name, mean } as unknown as OptimizerTaskResult;
}

function task(id: string, logY: boolean, curves: Record<string, number[]>): TaskResult {
  const n = Object.values(curves)[0]!.length;
  return {
    id,
    logY,
    curveSteps: Array.from({ length: n }, (_, i) => i * 10),
    optimizers: Object.entries(curves).map(([k, v]) => opt(k, v)),
  } as unknown as TaskResult;
}

describe('smallMultiplesSvg', () => {
  it('draws one panel per task, one curve per optimizer and one shared legend', () => {
    const svg = smallMultiplesSvg(
      [
        task('a', true, { adam: [10, 1, 0.1], 'preset:x': [10, 2, 0.5] }),
        task('b<&>', false, { adam: [3, 2, 1], 'preset:x': [3, Number.NaN, 1] }),
        task('c', true, { adam: [5, 4, 3], 'preset:x': [5, 4, 3.5] }),
      ],
      { title: 'curves', columns: 2 },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/class="panel"/g)).toHaveLength(3);
    expect(svg.match(/class="curve"/g)).toHaveLength(6);
    expect(svg.match(/class="legend-name"/g)).toHaveLength(2);
    expect(svg).toContain('b&lt;&amp;&gt;');
    expect(svg).not.toContain('b<&>');
    // A NaN breaks the line: the second curve of panel b has two pieces.
    const b = svg.slice(svg.indexOf('data-task="b&lt;&amp;&gt;"'), svg.indexOf('data-task="c"'));
    const paths = [...b.matchAll(/ d="([^"]*)"/g)].map((m) => m[1]!);
    expect(paths[1]!.match(/M/g)).toHaveLength(2);
    // Three panels in two columns: two rows.
    const height = Number(/height="(\d+)"/.exec(svg)![1]);
    expect(height).toBeGreaterThan(2 * 180);
    expect(height).toBeLessThan(3 * 180);
  });

  it('ends the axis at 10× the highest start, so a diverging curve leaves through the top', () => {
    const svg = smallMultiplesSvg([task('a', true, { adam: [10, 1, 0.1], bad: [10, 1e10, 1e30] })]);
    expect(svg).toContain('>100<');
    expect(svg).not.toMatch(/>1e(10|30)</);
  });

  it('uses a log axis only when asked and every value is positive', () => {
    const log = smallMultiplesSvg([task('a', true, { adam: [100, 1, 0.01] })]);
    expect(log).toContain('>100<');
    const linear = smallMultiplesSvg([task('a', true, { adam: [1, 0, -1] })]);
    expect(linear).not.toContain('>100<');
    expect(() => smallMultiplesSvg([], { columns: 0 })).toThrow(/columns must be a positive integer/);
    expect(() => smallMultiplesSvg([], { panelWidth: 10 })).toThrow(/panelWidth must be a number ≥ 100/);
  });
});
