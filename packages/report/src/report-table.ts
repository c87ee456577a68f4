import { type EvaluationResult, L2oError, type OptimizerCurve } from '@l2o/core';
import { quantile } from '@l2o/core/extend';

/** `markdown`: a GitHub-flavoured pipe table; `text`: aligned columns for a terminal. */
export type TableFormat = 'markdown' | 'text';
export type ColumnAlign = 'left' | 'right';

const FORMATS: readonly TableFormat[] = ['markdown', 'text'];

/**
 * A number with `digits` significant digits (default 4), trailing zeros dropped; scientific notation below
 * 1e-3 and from 1e5 on (`4.12e-5`). NaN → `NaN`, ±∞ → `inf` / `-inf`.
 */
export function formatNumber(x: number, digits = 4): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 21) {
    throw new L2oError('INVALID_OPTION', `formatNumber: digits must be an integer in 1…21, got ${String(digits)}`);
  }
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return '0';
  // Decide on the rounded value, so 99999.7 becomes 1e+5 and not "1.000e+5" in fixed notation.
  const rounded = Number(x.toPrecision(digits));
  const ar = Math.abs(rounded);
  if (ar < 1e-3 || ar >= 1e5) {
    const [mant, exp] = rounded.toExponential(digits - 1).split('e');
    return `${stripZeros(mant!)}e${Number(exp)}`;
  }
  const fixed = rounded.toPrecision(digits);
  // toPrecision switches to exponent form when digits < the integer digits (100 with 2 digits → "1.0e+2").
  return fixed.includes('e') ? String(rounded) : stripZeros(fixed);
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/**
 * A table of strings. `markdown` escapes `|` in cells; `text` pads every column to its widest cell, two
 * spaces apart, with a dashed rule under the headers. `align` defaults to the first column left, the rest right.
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  format: TableFormat = 'text',
  align?: readonly ColumnAlign[],
): string {
  if (!FORMATS.includes(format)) {
    throw new L2oError(
      'INVALID_OPTION',
      `formatTable: format must be one of ${FORMATS.join(', ')}, got ${String(format)}`,
    );
  }
  if (headers.length === 0) throw new L2oError('INVALID_OPTION', 'formatTable: headers must list at least one column');
  rows.forEach((row, i) => {
    if (row.length !== headers.length) {
      throw new L2oError(
        'INVALID_OPTION',
        `formatTable: rows[${i}] has ${row.length} cells; headers has ${headers.length}`,
      );
    }
  });
  if (align !== undefined && align.length !== headers.length) {
    throw new L2oError(
      'INVALID_OPTION',
      `formatTable: align has ${align.length} entries; headers has ${headers.length}`,
    );
  }
  const aligns: ColumnAlign[] = headers.map((_, j) => align?.[j] ?? (j === 0 ? 'left' : 'right'));
  aligns.forEach((a, j) => {
    if (a !== 'left' && a !== 'right')
      throw new L2oError('INVALID_OPTION', `formatTable: align[${j}] must be left or right, got ${String(a)}`);
  });

  if (format === 'markdown') {
    const cell = (s: string): string => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
    const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
    const rule = `| ${aligns.map((a) => (a === 'right' ? '---:' : '---')).join(' | ')} |`;
    return [line(headers), rule, ...rows.map(line)].join('\n');
  }

  const clean = (s: string): string => s.replace(/\r?\n/g, ' ');
  const all = [headers, ...rows].map((r) => r.map(clean));
  const widths = headers.map((_, j) => Math.max(...all.map((r) => width(r[j]!))));
  const pad = (s: string, j: number): string => {
    const fill = ' '.repeat(widths[j]! - width(s));
    return aligns[j] === 'right' ? fill + s : s + fill;
  };
  const line = (cells: readonly string[]): string => cells.map(pad).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(all[0]!), rule, ...all.slice(1).map(line)].join('\n');
}

/** Display width in code points (good enough for the ASCII, ±, ∞ and · used here). */
function width(s: string): number {
  return [...s].length;
}

export interface EvaluationTableOptions {
  /** The steps to report, each in 0…result.steps (default: the last step only). */
  steps?: readonly number[];
  format?: TableFormat;
  /** Significant digits of every number (default 4). */
  digits?: number;
}

/**
 * One row per optimizer, one column per requested step: mean ± std of f(θ_t) across problems, or, where runs
 * diverged (a non-finite loss, known from the curve's `diverged` counts), `diverged on k of R (median m)` with
 * the median over all runs counting the diverged ones as +∞. The lowest finite mean in each column is marked:
 * bold in markdown, a trailing `*` in text (ties are all marked).
 */
export function evaluationTable(result: EvaluationResult, options: EvaluationTableOptions = {}): string {
  const format = options.format ?? 'text';
  if (!FORMATS.includes(format)) {
    throw new L2oError(
      'INVALID_OPTION',
      `evaluationTable: format must be one of ${FORMATS.join(', ')}, got ${String(format)}`,
    );
  }
  const steps = options.steps ?? [result.steps];
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new L2oError('INVALID_OPTION', 'evaluationTable: steps must be a non-empty array of step indices');
  }
  for (const s of steps) {
    if (!Number.isInteger(s) || s < 0 || s > result.steps) {
      throw new L2oError(
        'INVALID_OPTION',
        `evaluationTable: steps must be integers in 0…${result.steps}, got ${String(s)}`,
      );
    }
  }
  const digits = options.digits ?? 4;
  const best = steps.map((s) => {
    const means = result.curves.map((c) => c.mean[s]!).filter((m) => Number.isFinite(m));
    return means.length === 0 ? NaN : Math.min(...means);
  });
  const headers = ['optimizer', ...steps.map((s) => `step ${s}`)];
  const rows = result.curves.map((c) => [
    c.name,
    ...steps.map((s, j) => {
      const m = c.mean[s]!;
      const text =
        divergedText(c, s, result.problems, digits) ??
        `${formatNumber(m, digits)} ± ${formatNumber(c.std[s]!, digits)}`;
      const isBest = m === best[j];
      if (format === 'markdown') return isBest ? `**${text}**` : text;
      return isBest ? `${text} *` : `${text}  `;
    }),
  ]);
  return formatTable(headers, rows, format);
}

/**
 * "diverged on k of R (median m)" when k > 0 runs have a non-finite loss at step `s` (known from the curve's
 * `diverged` counts), with the median over all runs counting a diverged one as +∞ (left out once it is not
 * finite); `undefined` when no run diverged or the curve does not carry the counts.
 */
function divergedText(c: OptimizerCurve, s: number, problems: number, digits: number): string | undefined {
  const k = c.diverged?.[s] ?? 0;
  if (k === 0) return undefined;
  const runs = c.losses?.length ?? problems;
  const med = c.losses
    ? quantile(
        c.losses.map((row) => (Number.isNaN(row[s]!) ? Number.POSITIVE_INFINITY : row[s]!)),
        0.5,
      )
    : c.median[s]!;
  return `diverged on ${k} of ${runs}${Number.isFinite(med) ? ` (median ${formatNumber(med, digits)})` : ''}`;
}
