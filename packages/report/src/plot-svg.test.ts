import { describe, expect, it } from 'vitest';
import type { EvaluationResult, OptimizerCurve } from '@l2o/core';
import { escapeXml, linearTicks, logTicks, lossCurvesSvg, metaTrainingSvg, PALETTE } from './plot-svg.js';

/**
 * A DOM-less well-formedness check: one root <svg>, balanced tags, quoted attributes, no raw `<` or stray `&`
 * in text. Returns the element names in document order.
 */
function checkWellFormed(svg: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let i = 0;
  let roots = 0;
  while (i < svg.length) {
    const lt = svg.indexOf('<', i);
    const text = svg.slice(i, lt === -1 ? svg.length : lt);
    if (/&(?!(amp|lt|gt|quot|#\d+);)/.test(text)) throw new Error(`stray & in text: ${text}`);
    if (stack.length === 0 && text.trim() !== '') throw new Error(`text outside the root: ${text}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(svg);
    if (!m) throw new Error(`malformed tag at ${lt}: ${svg.slice(lt, lt + 80)}`);
    const [whole, close, name, attrs, selfClose] = m;
    if (/&(?!(amp|lt|gt|quot|#\d+);)/.test(attrs!)) throw new Error(`stray & in attributes of <${name}>`);
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}>`);
    } else {
      if (stack.length === 0) roots++;
      names.push(name!);
      if (!selfClose) stack.push(name!);
    }
    i = lt + whole.length;
  }
  if (stack.length !== 0) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1 || names[0] !== 'svg') throw new Error('expected one <svg> root');
  return names;
}

function curve(name: string, mean: number[], spread = 0.2): OptimizerCurve {
  return {
    name,
    mean,
    std: mean.map((m) => m * spread),
    median: mean,
    q25: mean.map((m) => m * (1 - spread)),
    q75: mean.map((m) => m * (1 + spread)),
    finalLosses: [mean[mean.length - 1]!],
  };
}

function result(curves: OptimizerCurve[], steps: number): EvaluationResult {
  return { family: 'quadratic', problems: 8, steps, seed: 0, curves };
}

const geometric = (start: number, ratio: number, n: number): number[] =>
  Array.from({ length: n }, (_, t) => start * ratio ** t);

function attrValues(svg: string, cls: string, attr: string): string[] {
  const re = new RegExp(`<[a-z]+ class="${cls}"[^>]*?\\s${attr}="([^"]*)"`, 'g');
  return [...svg.matchAll(re)].map((m) => m[1]!);
}

function yTickLabels(svg: string): string[] {
  return [...svg.matchAll(/class="y-tick-label"[^>]*>(.*?)<\/text>/g)].map((m) =>
    m[1]!.replace(/<tspan[^>]*>/g, '^').replace(/<\/tspan>/g, ''),
  );
}

describe('logTicks', () => {
  it('gives the decades and the 2…9 minor ticks of a known range', () => {
    const t = logTicks(0.01, 10);
    expect(t.major).toEqual([0.01, 0.1, 1, 10]);
    expect(t.minor).toEqual([
      0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(t.stride).toBe(1);
  });

  it('keeps only ticks inside a range that does not start on a decade', () => {
    const t = logTicks(0.03, 0.5);
    expect(t.major).toEqual([0.1]);
    expect(t.minor).toEqual([0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.2, 0.3, 0.4, 0.5]);
  });

  it('labels every k-th decade over a wide range', () => {
    const t = logTicks(1e-12, 1e6); // 19 decades → stride 3
    expect(t.stride).toBe(3);
    expect(t.major).toEqual([1e-12, 1e-9, 1e-6, 1e-3, 1, 1e3, 1e6]);
    expect(t.minor).toHaveLength(12);
    expect(() => logTicks(0, 1)).toThrow(/0 < min/);
  });
});

describe('linearTicks', () => {
  it('uses 1-2-5 steps', () => {
    expect(linearTicks(0, 100, 6)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(linearTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(-0.3, 0.3, 6)).toEqual([-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3]);
    expect(linearTicks(0, 3, 6, true)).toEqual([0, 1, 2, 3]);
    expect(linearTicks(0, 1000, 8)).toEqual([0, 200, 400, 600, 800, 1000]);
  });
});

describe('escapeXml', () => {
  it('escapes markup characters and drops characters XML forbids', () => {
    expect(escapeXml(`a<b>&"c'`)).toBe('a&lt;b&gt;&amp;&quot;c&#39;');
    expect(escapeXml('x\u0001y\u0007')).toBe('xy');
    expect(escapeXml('τ → ∞ 😀')).toBe('τ → ∞ 😀');
  });
});

describe('lossCurvesSvg', () => {
  const res = result(
    [
      curve('LSTM <p=10> & "x"', geometric(2, 0.9, 51)),
      curve('Adam', geometric(2, 0.93, 51)),
      curve('SGD', geometric(2, 0.97, 51)),
    ],
    50,
  );

  it('is well-formed, with one curve path and one band per optimizer', () => {
    const svg = lossCurvesSvg(res, { title: 'Quadratic & co' });
    const names = checkWellFormed(svg);
    expect(names.filter((n) => n === 'path')).toHaveLength(6);
    expect(attrValues(svg, 'curve', 'd')).toHaveLength(3);
    expect(attrValues(svg, 'band', 'd')).toHaveLength(3);
    expect(attrValues(svg, 'curve', 'stroke')).toEqual(PALETTE.slice(0, 3));
    expect(svg).toContain('Quadratic &amp; co');
    expect(svg).toContain('LSTM &lt;p=10&gt; &amp; &quot;x&quot;');
    expect(svg).not.toContain('<p=10>');
    // Each curve has 51 points: one M and 50 L.
    for (const d of attrValues(svg, 'curve', 'd')) {
      expect(d.match(/M/g)).toHaveLength(1);
      expect(d.match(/L/g)).toHaveLength(50);
    }
  });

  it('puts the final means in the legend', () => {
    const svg = lossCurvesSvg(res);
    const values = [...svg.matchAll(/class="legend-value"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(values).toEqual(['0.0103', '0.0531', '0.436']); // 2·0.9^50, 2·0.93^50, 2·0.97^50
    expect(svg).toContain('final mean (step 50)');
  });

  it('labels the decades of a log axis, snapped outward to whole decades', () => {
    // Data (with the band) spans 0.0103·0.8 … 2·1.2: the axis runs 10^-3 … 10^1.
    const svg = lossCurvesSvg(res);
    expect(yTickLabels(svg)).toEqual(['10^−3', '10^−2', '10^−1', '10^0', '10^1']);
    const ys = attrValues(svg, 'y-tick-label', 'y').map(Number);
    // Equally spaced decades, top of the plot for 10^1.
    const gaps = ys.slice(1).map((y, i) => ys[i]! - y);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0]!, 1);
    // Without the band the axis is 10^-2 … 10^1.
    expect(yTickLabels(lossCurvesSvg(res, { band: 'none' }))).toEqual(['10^−2', '10^−1', '10^0', '10^1']);
  });

  it('places a point at the right height on the log axis', () => {
    // One flat curve at 1 and one at 100, no band: axis 10^0…10^2, so 10 sits half-way.
    const svg = lossCurvesSvg(result([curve('a', [1, 1]), curve('b', [100, 100]), curve('c', [10, 10])], 1), {
      band: 'none',
    });
    const ds = attrValues(svg, 'curve', 'd');
    const y = (d: string): number => Number(/M[\d.]+,([\d.]+)/.exec(d)![1]);
    expect(y(ds[2]!)).toBeCloseTo((y(ds[0]!) + y(ds[1]!)) / 2, 1);
  });

  it('skips NaN, ±∞ and non-positive values instead of failing', () => {
    const mean = geometric(1, 0.9, 21);
    mean[5] = NaN;
    mean[10] = Infinity;
    mean[15] = 0;
    mean[16] = -1;
    const bad = curve('bad', mean);
    bad.q25[3] = 0; // clipped to the axis bottom
    bad.q75[7] = NaN; // breaks the band
    const allNaN = curve('nan', new Array<number>(21).fill(NaN));
    const svg = lossCurvesSvg(result([bad, allNaN], 20));
    checkWellFormed(svg);
    expect(svg).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/);
    for (const d of [...attrValues(svg, 'curve', 'd'), ...attrValues(svg, 'band', 'd')]) {
      expect(d).toMatch(/^[MLZh0-9.,-]*$/);
    }
    const [d, dNaN] = attrValues(svg, 'curve', 'd');
    // Runs 0–4, 6–9, 11–14, 17–20: four pieces, 21 − 4 = 17 points.
    expect(d!.match(/M/g)).toHaveLength(4);
    expect(d!.match(/[ML]/g)).toHaveLength(17);
    expect(dNaN).toBe('');
    expect(svg).toContain('>NaN<'); // the legend shows the final mean as it is
  });

  it('draws an empty chart when nothing is plottable', () => {
    const svg = lossCurvesSvg(result([curve('x', [NaN, NaN])], 1));
    checkWellFormed(svg);
    expect(svg).toContain('no finite positive values to plot');
  });

  it('uses a linear axis on request, negative values included', () => {
    const svg = lossCurvesSvg(result([curve('x', [-1, 0, 1, 2], 0)], 3), { logY: false, band: 'none' });
    checkWellFormed(svg);
    expect(yTickLabels(svg)).toEqual(['-1', '-0.5', '0', '0.5', '1', '1.5', '2']);
    expect(attrValues(svg, 'curve', 'd')[0]!.match(/L/g)).toHaveLength(3);
    const xs = [...svg.matchAll(/class="x-tick-label"[^>]*>([^<]*)</g)].map((m) => m[1]);
    expect(xs).toEqual(['0', '1', '2', '3']);
  });

  it('labels 1-2-5 ticks when the data spans less than a decade', () => {
    const svg = lossCurvesSvg(result([curve('x', [0.3, 0.25], 0), curve('y', [0.6, 0.5], 0)], 1), { band: 'none' });
    // 0.25…0.6 → axis ≈ 0.239…0.627: too few 1-2-5 ticks inside, so every m·10^k is labelled.
    expect(yTickLabels(svg)).toEqual(['0.3', '0.4', '0.5', '0.6']);
    // 0.15…0.9 → axis ≈ 0.117…0.984: the 1-2-5 ticks are labelled, the rest are minor.
    const wide = lossCurvesSvg(result([curve('x', [0.9, 0.15], 0)], 1), { band: 'none' });
    expect(yTickLabels(wide)).toEqual(['0.2', '0.5']);
    expect(wide.match(/class="tick-minor"/g)).toHaveLength(6);
  });

  it('dashes the ninth series onwards and validates options', () => {
    const many = Array.from({ length: 9 }, (_, i) => curve(`o${i}`, geometric(1, 0.9 - i * 0.01, 5)));
    const svg = lossCurvesSvg(result(many, 4));
    expect(attrValues(svg, 'curve', 'd')).toHaveLength(9);
    expect(svg.match(/class="curve"[^>]*stroke-dasharray/g)).toHaveLength(1);
    expect(() => lossCurvesSvg(res, { width: 10 })).toThrow(/width must be a finite number ≥ 200/);
    expect(() => lossCurvesSvg(res, { band: 'std' as 'iqr' })).toThrow(/band must be 'iqr' or 'none'/);
    expect(() => lossCurvesSvg(res, { logY: 'yes' as unknown as boolean })).toThrow(/logY must be true or false/);
  });
});

describe('metaTrainingSvg', () => {
  const points = Array.from({ length: 40 }, (_, e) => ({
    epoch: e,
    metaLoss: 50 * 0.95 ** e,
    ...(e % 10 === 0 ? { validation: [2.3, 0.31, 0.45, 0.5][e / 10]! } : {}),
  }));

  it('draws the training and validation curves, rings the best validation point', () => {
    const svg = metaTrainingSvg(points, { title: 'MNIST <1×20>' });
    checkWellFormed(svg);
    expect(attrValues(svg, 'curve', 'd')).toHaveLength(2);
    expect(svg.match(/class="marker"/g)).toHaveLength(4);
    expect(svg.match(/class="highlight"/g)).toHaveLength(1);
    expect(svg).toContain('best 0.31 @ 10');
    expect(svg).toContain('last 6.76'); // 50·0.95^39 = 6.764
    expect(svg).toContain('MNIST &lt;1×20&gt;');
    expect(yTickLabels(svg)).toEqual(['10^−1', '10^0', '10^1', '10^2']);
  });

  it('copes with missing, non-finite and unsorted points, and with no points', () => {
    const svg = metaTrainingSvg([
      { epoch: 3, metaLoss: NaN },
      { epoch: 1, metaLoss: 2 },
      { epoch: 2, validation: 0 },
    ]);
    checkWellFormed(svg);
    expect(svg).not.toMatch(/class="highlight"/);
    checkWellFormed(metaTrainingSvg([]));
    expect(() => metaTrainingSvg([{ epoch: NaN }])).toThrow(/points\[0\]\.epoch must be a finite number/);
  });

  it('draws reference levels as flat lines across the epochs, named in the legend', () => {
    const svg = metaTrainingSvg(points, {
      references: [
        { name: 'tuned Adam', value: 0.4 },
        { name: 'tuned NAG', value: 0.8 },
      ],
    });
    checkWellFormed(svg);
    const paths = attrValues(svg, 'curve', 'd');
    expect(paths).toHaveLength(4);
    // A flat line: both points of each reference path share one y, at different heights for different values.
    const ys = paths.slice(2).map((d) => [...d.matchAll(/[ML]\s*([-\d.]+)[ ,]([-\d.]+)/g)].map((m) => Number(m[2])));
    for (const y of ys) {
      expect(y).toHaveLength(2);
      expect(y[0]).toBeCloseTo(y[1]!, 6);
    }
    expect(ys[0]![0]).toBeGreaterThan(ys[1]![0]!); // 0.4 is drawn below 0.8 (SVG y grows downwards)
    expect(svg).toContain('tuned Adam');
    expect(svg).toContain('0.4');
    expect(() => metaTrainingSvg(points, { references: [{ name: 'x', value: Number.NaN }] })).toThrow(
      /references\[0\] must be/,
    );
  });
});
