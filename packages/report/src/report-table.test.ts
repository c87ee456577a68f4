import * as tf from '@tensorflow/tfjs';
import { evaluate, type EvaluationResult, initEngine, type OptimizeeFamily, type Optimizer } from '@l2o/core';
import { quantile } from '@l2o/core/extend';
import { describe, expect, it } from 'vitest';
import { evaluationTable, formatNumber, formatTable } from './report-table.js';

describe('formatNumber', () => {
  it('keeps 4 significant digits and drops trailing zeros', () => {
    expect(formatNumber(0.041234)).toBe('0.04123');
    expect(formatNumber(0.041)).toBe('0.041');
    expect(formatNumber(2)).toBe('2');
    expect(formatNumber(2.3456789)).toBe('2.346');
    expect(formatNumber(1234.56)).toBe('1235');
    expect(formatNumber(-0.5)).toBe('-0.5');
    expect(formatNumber(0.001)).toBe('0.001');
    expect(formatNumber(0.00041234)).toBe('4.123e-4');
    expect(formatNumber(123456)).toBe('1.235e5');
    expect(formatNumber(99999.7)).toBe('1e5');
    expect(formatNumber(0.041234, 3)).toBe('0.0412');
    expect(formatNumber(0)).toBe('0');
    // Fewer digits than the integer part: still fixed notation below 1e5 (toPrecision alone gives "1.0e+2").
    expect(formatNumber(100, 2)).toBe('100');
    expect(formatNumber(1234, 2)).toBe('1200');
    expect(formatNumber(1000, 3)).toBe('1000');
  });

  it('writes non-finite values and rejects bad digits', () => {
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('inf');
    expect(formatNumber(-Infinity)).toBe('-inf');
    expect(() => formatNumber(1, 0)).toThrow(/digits must be an integer/);
  });
});

describe('formatTable', () => {
  it('writes a markdown table with escaped pipes and right-aligned numbers', () => {
    const md = formatTable(
      ['name', 'value'],
      [
        ['a|b', '1'],
        ['c', '22'],
      ],
      'markdown',
    );
    expect(md).toBe(['| name | value |', '| --- | ---: |', '| a\\|b | 1 |', '| c | 22 |'].join('\n'));
  });

  it('aligns text columns', () => {
    const txt = formatTable(
      ['name', 'value'],
      [
        ['adam', '1.5'],
        ['lstm-optimizer', '22'],
      ],
      'text',
    );
    expect(txt).toBe(
      ['name            value', '--------------  -----', 'adam              1.5', 'lstm-optimizer     22'].join('\n'),
    );
    const left = formatTable(['a', 'b'], [['x', 'yy']], 'text', ['left', 'left']);
    expect(left).toBe(['a  b', '-  --', 'x  yy'].join('\n'));
  });

  it('rejects malformed input with the field named', () => {
    expect(() => formatTable(['a', 'b'], [['x']], 'text')).toThrow(/rows\[0\] has 1 cells; headers has 2/);
    expect(() => formatTable(['a'], [], 'html' as 'text')).toThrow(/format must be one of markdown, text/);
    expect(() => formatTable([], [], 'text')).toThrow(/headers/);
    expect(() => formatTable(['a'], [['x']], 'text', ['left', 'right'])).toThrow(/align has 2 entries/);
  });
});

function result(): EvaluationResult {
  const curve = (name: string, mean: number[], std: number[]) => ({
    name,
    mean,
    std,
    median: mean,
    q25: mean,
    q75: mean,
    finalLosses: [mean[mean.length - 1]!],
  });
  return {
    family: 'quad',
    problems: 1,
    steps: 2,
    seed: 0,
    curves: [
      curve('SGD', [1, 0.5, 0.22], [0.1, 0.05, 0.02]),
      curve('LSTM', [1, 0.3, 0.041234], [0.1, 0.04, 0.0031]),
      curve('broken', [1, NaN, NaN], [0.1, NaN, NaN]),
    ],
  };
}

describe('evaluationTable', () => {
  it('reports mean ± std at the last step by default and bolds the best in markdown', () => {
    const md = evaluationTable(result(), { format: 'markdown' });
    expect(md).toBe(
      [
        '| optimizer | step 2 |',
        '| --- | ---: |',
        '| SGD | 0.22 ± 0.02 |',
        '| LSTM | **0.04123 ± 0.0031** |',
        '| broken | NaN ± NaN |',
      ].join('\n'),
    );
  });

  it('marks every tied best with * in text, per column', () => {
    const txt = evaluationTable(result(), { steps: [0, 1, 2], format: 'text', digits: 3 });
    const lines = txt.split('\n');
    expect(lines[0]).toMatch(/^optimizer\s+step 0\s+step 1\s+step 2$/);
    expect(lines[2]).toBe('SGD        1 ± 0.1 *  0.5 ± 0.05        0.22 ± 0.02');
    expect(lines[3]).toBe('LSTM       1 ± 0.1 *  0.3 ± 0.04 *  0.0412 ± 0.0031 *');
    expect(lines[4]).toBe('broken     1 ± 0.1 *   NaN ± NaN          NaN ± NaN');
  });

  it('rejects steps outside the evaluation', () => {
    expect(() => evaluationTable(result(), { steps: [3] })).toThrow(/steps must be integers in 0…2/);
    expect(() => evaluationTable(result(), { steps: [] })).toThrow(/steps must be a non-empty array/);
    expect(() => evaluationTable(result(), { format: 'csv' as 'text' })).toThrow(/format must be one of/);
  });
});

describe('evaluationTable on a real evaluation', () => {
  it('says how many runs diverged and gives the median with those runs counted as +∞', async () => {
    await initEngine();
    const steps = 6;
    const problems = 8;
    // f(θ) = ½ a θ², θ₀ ~ N(0, 1); SGD, except that runs starting at θ₀ < 0 get a NaN update at step 2.
    const family: OptimizeeFamily<null> = {
      name: 'quadratic-1d',
      sample(rng) {
        const a = 0.5 + rng.uniform();
        return {
          name: 'quadratic-1d',
          init: (r) => ({ x: tf.scalar(r.normal()) }),
          sampleBatch: () => null,
          loss: (p) => tf.tidy(() => tf.mul(0.5 * a, tf.square(p['x']!)) as tf.Scalar),
        };
      },
    };
    const sgd: Optimizer<Record<string, never>> = {
      name: 'sgd',
      init: () => ({}),
      update: (grads) => ({ updates: { x: tf.mul(grads['x']!, -0.2) }, state: {} }),
    };
    const poisoned: Optimizer<{ t: number }> = {
      name: 'poisoned',
      init: () => ({ t: 0 }),
      update: (grads, state, params) => ({
        updates: tf.tidy(() => {
          const x = params['x']!;
          const step = tf.mul(grads['x']!, -0.2);
          if (state.t !== 2) return { x: step };
          return { x: tf.where(tf.less(x, 0), tf.fill(x.shape, Number.NaN), step) };
        }),
        state: { t: state.t + 1 },
      }),
    };
    const res = await evaluate({
      family,
      optimizers: [
        { name: 'SGD', optimizer: sgd },
        { name: 'poisoned', optimizer: poisoned },
      ],
      problems,
      steps,
      seed: 21,
    });
    const bad = res.curves[1]!;
    const k = bad.diverged![steps]!;
    expect(k).toBeGreaterThan(0);
    expect(k).toBeLessThan(problems / 2); // this seed: 3 of 8, so the median is finite
    const finals = bad.losses!.map((row) => (Number.isNaN(row[steps]!) ? Number.POSITIVE_INFINITY : row[steps]!));
    const med = quantile(finals, 0.5);
    expect(Number.isFinite(med)).toBe(true);
    const table = evaluationTable(res, { steps: [2, steps], format: 'markdown' });
    const badRow = table.split('\n').find((l) => l.startsWith('| poisoned'))!;
    expect(badRow).toBe(
      `| poisoned | **${formatNumber(bad.mean[2]!)} ± ${formatNumber(bad.std[2]!)}** | diverged on ${k} of ${problems} (median ${formatNumber(med)}) |`,
    );
  });
});
