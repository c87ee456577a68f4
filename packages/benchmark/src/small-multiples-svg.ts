import { escapeXml, formatNumber, linearTicks, logTicks, PALETTE } from '@l2o/report';
import { L2oError } from '@l2o/core';
import type { TaskResult } from './results.js';

export interface SmallMultiplesOptions {
  /** Title above the panels. */
  readonly title?: string;
  /** Panels per row (default 4). */
  readonly columns?: number;
  /** Size of one panel in px (default 250 × 180). */
  readonly panelWidth?: number;
  readonly panelHeight?: number;
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, 'DejaVu Sans', sans-serif";
const AXIS = '#333333';
const GRID = '#e6e6e6';
const MUTED = '#666666';
const DASHES = ['', '6 3', '2 2', '8 3 2 3'];

/** A tick label: plain below 10⁴ (100, 0.01), `1e4`-style beyond. */
function tickLabel(v: number): string {
  const a = Math.abs(v);
  if (v !== 0 && (a >= 1e4 || a < 1e-3)) return v.toExponential(0).replace('e+', 'e');
  return formatNumber(v, 3);
}

function n2(x: number): string {
  return String(Math.round(x * 10) / 10);
}

/** Style of optimizer `i` among `names`: learned ones solid and first in the palette, baselines after them. */
function styleOf(i: number): { color: string; dash: string } {
  return { color: PALETTE[i % PALETTE.length]!, dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length]! };
}

/**
 * One small panel per task with every optimizer's mean loss curve over the runs (log scale where the task asks
 * for it and every plotted value is positive, else linear), one shared legend. NaN and ±∞ break a line; a run that
 * diverged makes the mean curve stop there. Dependency-free SVG.
 */
export function smallMultiplesSvg(tasks: readonly TaskResult[], options: SmallMultiplesOptions = {}): string {
  const columns = options.columns ?? 4;
  if (!Number.isInteger(columns) || columns < 1)
    throw new L2oError('INVALID_OPTION', `smallMultiplesSvg: columns must be a positive integer, got ${columns}`);
  const pw = options.panelWidth ?? 250;
  const ph = options.panelHeight ?? 180;
  for (const [f, v] of [
    ['panelWidth', pw],
    ['panelHeight', ph],
  ] as const) {
    if (!(Number.isFinite(v) && v >= 100))
      throw new L2oError('INVALID_OPTION', `smallMultiplesSvg: ${f} must be a number ≥ 100 (px), got ${v}`);
  }
  const names: string[] = [];
  for (const t of tasks) for (const o of t.optimizers) if (!names.includes(o.name)) names.push(o.name);
  const title = options.title ?? '';
  const legendRows = Math.ceil(names.length / Math.max(1, Math.floor((columns * pw) / 190)));
  const perRow = Math.max(1, Math.floor((columns * pw) / 190));
  const top = (title ? 34 : 10) + legendRows * 18 + 10;
  const rows = Math.ceil(tasks.length / columns);
  const W = columns * pw + 20;
  const H = top + rows * ph + 10;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${escapeXml(FONT)}" font-size="10" role="img">`,
  );
  out.push(`<title>${escapeXml(title || 'loss curves per task')}</title>`);
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`);
  if (title) {
    out.push(`<text x="12" y="22" font-size="15" font-weight="600" fill="${AXIS}">${escapeXml(title)}</text>`);
  }
  names.forEach((name, i) => {
    const x = 12 + (i % perRow) * 190;
    const y = (title ? 34 : 10) + Math.floor(i / perRow) * 18 + 9;
    const s = styleOf(i);
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<line x1="${x}" y1="${y}" x2="${x + 22}" y2="${y}" stroke="${s.color}" stroke-width="2.5"${dash}/>`);
    out.push(
      `<text class="legend-name" x="${x + 27}" y="${y}" dy="0.35em" font-size="11" fill="${AXIS}">${escapeXml(name)}</text>`,
    );
  });
  tasks.forEach((task, k) => {
    const ox = 10 + (k % columns) * pw;
    const oy = top + Math.floor(k / columns) * ph;
    out.push(panel(task, names, ox, oy, pw, ph));
  });
  out.push('</svg>');
  return out.join('\n');
}

function panel(task: TaskResult, names: readonly string[], ox: number, oy: number, pw: number, ph: number): string {
  const left = ox + 44;
  const right = ox + pw - 8;
  const top = oy + 18;
  const bottom = oy + ph - 22;
  const xs = task.curveSteps;
  const series = task.optimizers.map((o) => ({ o, i: names.indexOf(o.name) }));
  const values = series.flatMap((s) => s.o.mean.filter((v) => Number.isFinite(v)));
  const logY = task.logY && values.length > 0 && values.every((v) => v > 0);
  let y0 = values.length ? Math.min(...values) : 0;
  let y1 = values.length ? Math.max(...values) : 1;
  // Curves that blow up leave through the top instead of flattening everyone else: the axis ends at 10× the
  // highest start (log) or one start-to-bottom span above it (linear).
  const starts = series.map((s) => s.o.mean[0]!).filter((v) => Number.isFinite(v));
  if (starts.length > 0) {
    const top = Math.max(...starts);
    y1 = Math.min(y1, logY ? top * 10 : top + Math.max(top - y0, 0));
    if (y1 <= y0) y1 = Math.max(...values);
  }
  let ticks: number[];
  let labels: string[];
  if (logY) {
    let l0 = Math.log10(y0);
    let l1 = Math.log10(y1);
    if (l1 - l0 < 0.3) {
      const mid = (l0 + l1) / 2;
      l0 = mid - 0.15;
      l1 = mid + 0.15;
    }
    y0 = 10 ** l0;
    y1 = 10 ** l1;
    const t = logTicks(y0, y1);
    ticks = t.major.length >= 2 ? t.major : [...t.major, ...t.minor].sort((a, b) => a - b);
    if (ticks.length > 6) ticks = ticks.filter((_, i) => i % Math.ceil(ticks.length / 5) === 0);
    labels = ticks.map(tickLabel);
  } else {
    if (y1 === y0) {
      y0 -= 1;
      y1 += 1;
    }
    ticks = linearTicks(y0, y1, 4);
    labels = ticks.map(tickLabel);
  }
  const ly = (v: number): number => (logY ? Math.log10(v) : v);
  const sx = (x: number): number => left + ((x - xs[0]!) / Math.max(1, xs[xs.length - 1]! - xs[0]!)) * (right - left);
  const sy = (v: number): number => bottom - ((ly(v) - ly(y0)) / (ly(y1) - ly(y0) || 1)) * (bottom - top);
  const clip = `clip-${task.id}`;
  const parts: string[] = [];
  parts.push(`<g class="panel" data-task="${escapeXml(task.id)}">`);
  parts.push(
    `<defs><clipPath id="${escapeXml(clip)}"><rect x="${n2(left)}" y="${n2(top)}" width="${n2(right - left)}" height="${n2(bottom - top)}"/></clipPath></defs>`,
  );
  parts.push(
    `<text x="${n2(ox + 4)}" y="${n2(oy + 11)}" font-size="11" font-weight="600" fill="${AXIS}">${escapeXml(task.id)}</text>`,
  );
  ticks.forEach((v, i) => {
    if (v < y0 * (1 - 1e-9) || v > y1 * (1 + 1e-9)) return;
    const y = n2(sy(v));
    parts.push(`<line x1="${n2(left)}" y1="${y}" x2="${n2(right)}" y2="${y}" stroke="${GRID}"/>`);
    parts.push(
      `<text x="${n2(left - 3)}" y="${y}" dy="0.35em" text-anchor="end" fill="${MUTED}">${escapeXml(labels[i]!)}</text>`,
    );
  });
  const last = xs[xs.length - 1]!;
  for (const v of [0, last]) {
    parts.push(
      `<text x="${n2(sx(v))}" y="${n2(bottom + 12)}" text-anchor="middle" fill="${MUTED}">${escapeXml(formatNumber(v, 6))}</text>`,
    );
  }
  parts.push(`<g clip-path="url(#${escapeXml(clip)})">`);
  for (const { o, i } of series) {
    const s = styleOf(i);
    let d = '';
    let open = false;
    o.mean.forEach((v, j) => {
      if (!Number.isFinite(v) || (logY && v <= 0)) {
        open = false;
        return;
      }
      d += `${open ? 'L' : 'M'}${n2(sx(xs[j]!))},${n2(sy(v))}`;
      open = true;
    });
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    parts.push(
      `<path class="curve" d="${d}" fill="none" stroke="${s.color}" stroke-width="1.6"${dash}><title>${escapeXml(o.name)}</title></path>`,
    );
  }
  parts.push('</g>');
  parts.push(
    `<rect x="${n2(left)}" y="${n2(top)}" width="${n2(right - left)}" height="${n2(bottom - top)}" fill="none" stroke="${AXIS}"/>`,
  );
  parts.push('</g>');
  return parts.join('');
}
