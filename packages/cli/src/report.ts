import { join, resolve } from 'node:path';
import type { EvaluationResult } from '@l2o/core';
import { evaluationTable, lossCurvesSvg } from '@l2o/report';
import { ensureDirectory, writeFileAtomic } from '@l2o/core/node';
import { withFlag } from './errors.js';

export interface ReportExtras {
  readonly title: string;
  /** Extra JSON stored beside the result (tuning, provenance). */
  readonly meta?: Record<string, unknown>;
  /** Extra markdown sections placed after the table. */
  readonly notes?: string;
}

/**
 * Writes result.json, loss-curves.svg and report.md into `outDir` (each replaced atomically; I/O errors name
 * --out); prints the table. Returns the paths.
 */
export function writeEvaluationReport(outDir: string, result: EvaluationResult, extras: ReportExtras): string[] {
  const dir = resolve(outDir);
  return withFlag('--out', outDir, () => writeReport(dir, result, extras));
}

function writeReport(dir: string, result: EvaluationResult, extras: ReportExtras): string[] {
  ensureDirectory(dir);
  const steps = [...new Set([Math.min(result.steps, 20), Math.floor(result.steps / 2), result.steps])]
    .filter((s) => s > 0)
    .sort((a, b) => a - b);
  const jsonPath = join(dir, 'result.json');
  const svgPath = join(dir, 'loss-curves.svg');
  const mdPath = join(dir, 'report.md');
  writeFileAtomic(jsonPath, `${compactJson({ ...extras.meta, result })}\n`);
  writeFileAtomic(svgPath, lossCurvesSvg(result, { title: extras.title }));
  const md = [
    `# ${extras.title}`,
    '',
    `Family \`${result.family}\`, ${result.problems} fresh problems (seed ${result.seed}), ${result.steps} steps; mean ± std of f(θ_t) over problems.`,
    '',
    evaluationTable(result, { steps, format: 'markdown' }),
    '',
    '![loss curves](loss-curves.svg)',
    '',
    extras.notes ?? '',
  ].join('\n');
  writeFileAtomic(mdPath, `${md}\n`);
  process.stdout.write(`\n${extras.title}\n${evaluationTable(result, { steps, format: 'text' })}\n`);
  process.stdout.write(`wrote ${jsonPath}\n      ${svgPath}\n      ${mdPath}\n`);
  return [jsonPath, svgPath, mdPath];
}

/**
 * JSON for result files: numbers to 6 significant digits and arrays of numbers on one line (a curve per line), so
 * per-run losses of 100 runs × 200 steps stay a few hundred kB instead of megabytes. Non-finite numbers are null
 * (as JSON.stringify writes them).
 */
export function compactJson(value: unknown): string {
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Number(v.toPrecision(6)) : v),
    2,
  );
  return text.replace(/\[\s*(-?[\d.eE+-]+|null)(?:,\s*(?:-?[\d.eE+-]+|null))*\s*\]/g, (m) =>
    m.replace(/\s+/g, '').replace(/,/g, ', '),
  );
}
