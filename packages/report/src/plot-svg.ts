import { type EvaluationResult, L2oError } from '@l2o/core';
import { formatNumber } from './report-table.js';

/**
 * Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), yellow last since it is
 * faint on white. Past eight series the colours repeat with a dash pattern.
 */
export const PALETTE: readonly string[] = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
  '#F0E442',
];
const DASHES = ['', '7 4', '2 3', '9 3 2 3'];

export interface LossCurvesSvgOptions {
  /** Title above the plot (default: the family name); `''` for none. */
  title?: string;
  /** Log-scaled y axis (default true). Non-positive values are then left out of lines and clipped in bands. */
  logY?: boolean;
  /** Size in px (default 760 × 460). */
  width?: number;
  height?: number;
  /** Shade the interquartile range (q25…q75) across problems around each mean line (default `'iqr'`). */
  band?: 'iqr' | 'none';
  xLabel?: string;
  yLabel?: string;
}

export interface MetaTrainingPoint {
  epoch: number;
  /** Training meta-loss of this epoch. */
  metaLoss?: number;
  /** Validation loss measured at this epoch (often only every k epochs). */
  validation?: number;
}

export interface MetaTrainingSvgOptions {
  title?: string;
  logY?: boolean;
  /**
   * Constant levels drawn across the epochs for comparison, e.g. tuned baselines' scores on the same validation
   * problems (finite values; each a dashed line with its value in the legend).
   */
  references?: readonly { readonly name: string; readonly value: number }[];
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
}

/** Escapes text for XML content and attribute values, dropping characters XML 1.0 does not allow. */
export function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Removes floating-point noise such as 0.30000000000000004. */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/**
 * Ticks of a log axis over [min, max] (0 < min ≤ max): `major` are the powers of ten inside the range (every
 * `stride`-th one when the range spans more than 10 decades), `minor` the m·10^k (m = 2…9) inside it, or the
 * skipped powers of ten when `stride` > 1.
 */
export function logTicks(min: number, max: number): { major: number[]; minor: number[]; stride: number } {
  if (!(min > 0) || !(max >= min) || !Number.isFinite(max)) {
    throw new L2oError('INVALID_OPTION', `logTicks: need 0 < min ≤ max < ∞, got min=${min}, max=${max}`);
  }
  const eps = 1e-9;
  const k0 = Math.ceil(Math.log10(min) - eps);
  const k1 = Math.floor(Math.log10(max) + eps);
  const decades = k1 - k0 + 1;
  const stride = decades > 10 ? Math.ceil(decades / 8) : 1;
  const major: number[] = [];
  const minor: number[] = [];
  const inside = (v: number): boolean => v >= min * (1 - eps) && v <= max * (1 + eps);
  if (stride === 1) {
    for (let k = Math.floor(Math.log10(min) + eps); k <= k1; k++) {
      const p = clean(10 ** k);
      if (inside(p)) major.push(p);
      for (let m = 2; m <= 9; m++) {
        const v = clean(m * 10 ** k);
        if (inside(v)) minor.push(v);
      }
    }
  } else {
    for (let k = k0; k <= k1; k++) {
      const p = clean(10 ** k);
      if ((k - k0) % stride === 0) major.push(p);
      else minor.push(p);
    }
  }
  return { major, minor, stride };
}

/** "Nice" ticks (1, 2, 5 × 10^k apart) covering [min, max], about `target` of them; whole numbers if `integer`. */
export function linearTicks(min: number, max: number, target = 6, integer = false): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) {
    throw new L2oError('INVALID_OPTION', `linearTicks: need finite min ≤ max, got min=${min}, max=${max}`);
  }
  if (!Number.isInteger(target) || target < 2)
    throw new L2oError('INVALID_OPTION', `linearTicks: target must be an integer ≥ 2, got ${target}`);
  if (max === min) return [min];
  const step = niceStep((max - min) / target, integer);
  const out: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  const last = Math.floor(max / step + 1e-9);
  for (let i = first; i <= last; i++) out.push(clean(i * step));
  return out;
}

function niceStep(raw: number, integer: boolean): number {
  const k = Math.floor(Math.log10(raw));
  const base = 10 ** k;
  const f = raw / base;
  const m = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  const step = clean(m * base);
  return integer ? Math.max(1, Math.round(step)) : step;
}

// ---------------------------------------------------------------------------------------------------------
// A small line-chart renderer shared by both plots.

interface BandPoint {
  x: number;
  lo: number;
  hi: number;
}

interface Series {
  /** Legend name. */
  name: string;
  /** Legend value text, right-aligned (already formatted). */
  value: string;
  color: string;
  dash: string;
  points: readonly (readonly [number, number])[];
  band?: readonly BandPoint[];
  /** Draw a dot at every point (sparse series). */
  markers?: boolean;
  /** A point to ring (e.g. the best validation loss). */
  highlight?: readonly [number, number];
}

interface ChartSpec {
  width: number;
  height: number;
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  logY: boolean;
  xDomain: readonly [number, number];
  integerX: boolean;
  legendTitle: string;
  series: readonly Series[];
}

const FONT =
  "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";
const CHAR_W = 7.2; // average advance of a 12 px sans-serif character, for layout estimates
const AXIS = '#333333';
const GRID = '#e6e6e6';
const GRID_MINOR = '#f3f3f3';
const MUTED = '#666666';

function num(x: number): string {
  return String(Math.round(x * 100) / 100);
}

function truncate(s: string, max: number): string {
  const cps = [...s];
  return cps.length <= max ? s : `${cps.slice(0, max - 1).join('')}…`;
}

function fnv(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

function validDimension(v: number | undefined, fallback: number, field: string, min: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new L2oError('INVALID_OPTION', `${field} must be a finite number ≥ ${min} (pixels), got ${String(v)}`);
  }
  return v;
}

/** Label of a power of ten: 10 with a superscript exponent. */
function decadeLabel(v: number): string {
  const k = Math.round(Math.log10(v));
  const exp = k < 0 ? `\u2212${-k}` : String(k);
  return `10<tspan dy="-6" font-size="9">${exp}</tspan>`;
}

function renderChart(spec: ChartSpec): string {
  const { width: W, height: H, logY } = spec;
  const usable = (y: number): boolean => Number.isFinite(y) && (!logY || y > 0);

  // --- y domain from every drawable value -------------------------------------------------------------
  let yMin = Infinity;
  let yMax = -Infinity;
  const see = (y: number): void => {
    if (usable(y)) {
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
  };
  for (const s of spec.series) {
    for (const [, y] of s.points) see(y);
    for (const b of s.band ?? []) {
      see(b.lo);
      see(b.hi);
    }
  }
  const hasData = yMin <= yMax;
  let y0: number;
  let y1: number;
  let majorY: number[];
  let minorY: number[] = [];
  let majorLabels: string[];
  if (logY) {
    if (!hasData) {
      yMin = 0.1;
      yMax = 10;
    }
    let l0 = Math.log10(yMin);
    let l1 = Math.log10(yMax);
    if (l1 - l0 >= 0.9) {
      l0 = Math.floor(l0 + 1e-9);
      l1 = Math.ceil(l1 - 1e-9);
    } else {
      const mid = (l0 + l1) / 2;
      const half = Math.max((l1 - l0) * 0.55, 0.25);
      l0 = mid - half;
      l1 = mid + half;
    }
    y0 = 10 ** l0;
    y1 = 10 ** l1;
    const t = logTicks(y0, y1);
    if (t.major.length >= 2) {
      majorY = t.major;
      minorY = t.minor;
      majorLabels = majorY.map(decadeLabel);
    } else {
      // Less than a decade: label the 1-2-5 ticks (and the decade, if any) and keep the rest minor.
      const all = [...t.major, ...t.minor].sort((a, b) => a - b);
      majorY = all.filter((v) => {
        const m = Math.round(v / 10 ** Math.floor(Math.log10(v) + 1e-9));
        return m === 1 || m === 2 || m === 5;
      });
      if (majorY.length < 2) majorY = all;
      minorY = all.filter((v) => !majorY.includes(v));
      majorLabels = majorY.map((v) => escapeXml(formatNumber(v, 3)));
    }
  } else {
    if (!hasData) {
      yMin = 0;
      yMax = 1;
    }
    if (yMin === yMax) {
      const d = yMin === 0 ? 1 : Math.abs(yMin) * 0.1;
      yMin -= d;
      yMax += d;
    }
    const ticks = linearTicks(yMin, yMax, 6);
    const step = ticks.length > 1 ? ticks[1]! - ticks[0]! : yMax - yMin;
    y0 = Math.min(yMin, clean(Math.floor(yMin / step + 1e-9) * step));
    y1 = Math.max(yMax, clean(Math.ceil(yMax / step - 1e-9) * step));
    majorY = linearTicks(y0, y1, 6);
    majorLabels = majorY.map((v) => escapeXml(formatNumber(v, 4)));
  }

  let [x0, x1] = spec.xDomain;
  if (x1 <= x0) {
    x0 -= 1;
    x1 += 1;
  }
  const xTicks = linearTicks(x0, x1, Math.max(2, Math.min(8, Math.floor(W / 110))), spec.integerX);

  // --- layout -----------------------------------------------------------------------------------------
  const maxName = Math.max(16, Math.floor((W * 0.34) / CHAR_W) - 8);
  const names = spec.series.map((s) => truncate(s.name, maxName));
  const nameW = Math.max(0, ...names.map((n) => [...n].length)) * CHAR_W;
  const valueW = Math.max(0, ...spec.series.map((s) => [...s.value].length)) * CHAR_W;
  const legendW = Math.max(36 + nameW + 16 + valueW + 8, [...spec.legendTitle].length * 6 + 16);
  const left = 74;
  const right = legendW + 24;
  const top = spec.title ? (spec.subtitle ? 58 : 42) : spec.subtitle ? 34 : 18;
  const bottom = 54;
  const pw = Math.max(40, W - left - right);
  const ph = Math.max(40, H - top - bottom);

  const sx = (x: number): number => left + ((x - x0) / (x1 - x0)) * pw;
  const ly0 = logY ? Math.log10(y0) : y0;
  const ly1 = logY ? Math.log10(y1) : y1;
  const sy = (y: number): number => {
    const v = logY ? Math.log10(y) : y;
    return top + (1 - (v - ly0) / (ly1 - ly0)) * ph;
  };
  const clampY = (y: number): number => {
    if (Number.isNaN(y)) return NaN;
    if (logY && y <= 0) return y0;
    if (y === -Infinity) return y0;
    if (y === Infinity) return y1;
    return Math.min(y1, Math.max(y0, y));
  };

  const id = `l2o-${fnv(`${spec.title}|${spec.series.map((s) => s.name).join('|')}|${W}x${H}`)}`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${num(W)}" height="${num(H)}" viewBox="0 0 ${num(W)} ${num(H)}" font-family="${escapeXml(FONT)}" font-size="12" role="img">`,
  );
  out.push(`<title>${escapeXml(spec.title || spec.yLabel)}</title>`);
  out.push(
    `<defs><clipPath id="${id}-clip"><rect x="${num(left)}" y="${num(top)}" width="${num(pw)}" height="${num(ph)}"/></clipPath></defs>`,
  );
  out.push(`<rect x="0" y="0" width="${num(W)}" height="${num(H)}" fill="#ffffff"/>`);

  // Title and subtitle.
  if (spec.title) {
    out.push(
      `<text x="16" y="24" text-anchor="start" font-size="15" font-weight="600" fill="${AXIS}">${escapeXml(spec.title)}</text>`,
    );
  }
  if (spec.subtitle) {
    out.push(
      `<text x="16" y="${spec.title ? 42 : 20}" text-anchor="start" font-size="11" fill="${MUTED}">${escapeXml(spec.subtitle)}</text>`,
    );
  }

  // Grid, ticks and tick labels.
  const grid: string[] = [];
  for (const v of minorY) {
    const y = num(sy(v));
    grid.push(
      `<line class="grid-minor" x1="${num(left)}" y1="${y}" x2="${num(left + pw)}" y2="${y}" stroke="${GRID_MINOR}"/>`,
    );
    grid.push(
      `<line class="tick-minor" x1="${num(left - 3)}" y1="${y}" x2="${num(left)}" y2="${y}" stroke="${AXIS}"/>`,
    );
  }
  majorY.forEach((v, i) => {
    const y = num(sy(v));
    grid.push(`<line class="grid" x1="${num(left)}" y1="${y}" x2="${num(left + pw)}" y2="${y}" stroke="${GRID}"/>`);
    grid.push(`<line class="tick" x1="${num(left - 6)}" y1="${y}" x2="${num(left)}" y2="${y}" stroke="${AXIS}"/>`);
    grid.push(
      `<text class="y-tick-label" x="${num(left - 9)}" y="${y}" dy="0.35em" text-anchor="end" fill="${AXIS}">${majorLabels[i]!}</text>`,
    );
  });
  for (const v of xTicks) {
    const x = num(sx(v));
    grid.push(`<line class="grid" x1="${x}" y1="${num(top)}" x2="${x}" y2="${num(top + ph)}" stroke="${GRID}"/>`);
    grid.push(
      `<line class="tick" x1="${x}" y1="${num(top + ph)}" x2="${x}" y2="${num(top + ph + 6)}" stroke="${AXIS}"/>`,
    );
    grid.push(
      `<text class="x-tick-label" x="${x}" y="${num(top + ph + 20)}" text-anchor="middle" fill="${AXIS}">${escapeXml(formatNumber(v, 6))}</text>`,
    );
  }
  out.push(`<g class="axes">${grid.join('')}</g>`);

  // Bands, then lines, then markers (so lines sit above every band).
  const bands: string[] = [];
  const lines: string[] = [];
  const marks: string[] = [];
  spec.series.forEach((s) => {
    if (s.band && s.band.length > 0) {
      const runs: BandPoint[][] = [];
      let run: BandPoint[] = [];
      for (const b of s.band) {
        const lo = clampY(b.lo);
        const hi = clampY(b.hi);
        if (Number.isNaN(lo) || Number.isNaN(hi) || !Number.isFinite(b.x)) {
          if (run.length > 0) runs.push(run);
          run = [];
        } else run.push({ x: b.x, lo, hi });
      }
      if (run.length > 0) runs.push(run);
      const d = runs
        .filter((r) => r.length >= 2)
        .map((r) => {
          const upper = r.map((p, i) => `${i === 0 ? 'M' : 'L'}${num(sx(p.x))},${num(sy(p.hi))}`).join('');
          const lower = [...r]
            .reverse()
            .map((p) => `L${num(sx(p.x))},${num(sy(p.lo))}`)
            .join('');
          return `${upper}${lower}Z`;
        })
        .join('');
      if (d) bands.push(`<path class="band" d="${d}" fill="${s.color}" fill-opacity="0.16" stroke="none"/>`);
    }
    const segs: string[] = [];
    let open = false;
    let runLen = 0;
    for (const [x, y] of s.points) {
      if (!usable(y) || !Number.isFinite(x)) {
        if (open && runLen === 1) segs.push('h0');
        open = false;
        runLen = 0;
        continue;
      }
      segs.push(`${open ? 'L' : 'M'}${num(sx(x))},${num(sy(y))}`);
      open = true;
      runLen++;
    }
    if (open && runLen === 1) segs.push('h0');
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    lines.push(
      `<path class="curve" d="${segs.join('')}" fill="none" stroke="${s.color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${dash}><title>${escapeXml(s.name)}</title></path>`,
    );
    if (s.markers) {
      for (const [x, y] of s.points) {
        if (usable(y) && Number.isFinite(x)) {
          marks.push(
            `<circle class="marker" cx="${num(sx(x))}" cy="${num(sy(y))}" r="3" fill="${s.color}" stroke="#ffffff" stroke-width="1"/>`,
          );
        }
      }
    }
    if (s.highlight && usable(s.highlight[1]) && Number.isFinite(s.highlight[0])) {
      marks.push(
        `<circle class="highlight" cx="${num(sx(s.highlight[0]))}" cy="${num(sy(s.highlight[1]))}" r="6.5" fill="none" stroke="${s.color}" stroke-width="2"/>`,
      );
    }
  });
  out.push(`<g class="data" clip-path="url(#${id}-clip)">${bands.join('')}${lines.join('')}${marks.join('')}</g>`);
  if (!hasData) {
    out.push(
      `<text x="${num(left + pw / 2)}" y="${num(top + ph / 2)}" text-anchor="middle" fill="${MUTED}">no finite${logY ? ' positive' : ''} values to plot</text>`,
    );
  }

  // Frame and axis labels.
  out.push(
    `<rect x="${num(left)}" y="${num(top)}" width="${num(pw)}" height="${num(ph)}" fill="none" stroke="${AXIS}"/>`,
  );
  out.push(
    `<text class="x-label" x="${num(left + pw / 2)}" y="${num(H - 12)}" text-anchor="middle" fill="${AXIS}">${escapeXml(spec.xLabel)}</text>`,
  );
  out.push(
    `<text class="y-label" transform="translate(18 ${num(top + ph / 2)}) rotate(-90)" text-anchor="middle" fill="${AXIS}">${escapeXml(spec.yLabel)}</text>`,
  );

  // Legend, right of the plot.
  const lx = left + pw + 18;
  const rowH = 20;
  const head = spec.legendTitle ? 26 : 6;
  const legendH = head + rowH * spec.series.length + 2;
  const leg: string[] = [];
  leg.push(
    `<rect x="${num(lx)}" y="${num(top)}" width="${num(legendW)}" height="${num(legendH)}" rx="4" fill="#ffffff" stroke="#d0d0d0"/>`,
  );
  if (spec.legendTitle) {
    leg.push(
      `<text x="${num(lx + 8)}" y="${num(top + 16)}" font-size="11" fill="${MUTED}">${escapeXml(spec.legendTitle)}</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const y = top + head + rowH * i + rowH / 2;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    leg.push(
      `<line x1="${num(lx + 8)}" y1="${num(y)}" x2="${num(lx + 30)}" y2="${num(y)}" stroke="${s.color}" stroke-width="2.5"${dash}/>`,
    );
    if (s.markers) leg.push(`<circle cx="${num(lx + 19)}" cy="${num(y)}" r="3" fill="${s.color}"/>`);
    leg.push(
      `<text class="legend-name" x="${num(lx + 36)}" y="${num(y)}" dy="0.35em" fill="${AXIS}">${escapeXml(names[i]!)}</text>`,
    );
    leg.push(
      `<text class="legend-value" x="${num(lx + legendW - 8)}" y="${num(y)}" dy="0.35em" text-anchor="end" fill="${MUTED}" font-variant-numeric="tabular-nums">${escapeXml(s.value)}</text>`,
    );
  });
  out.push(`<g class="legend">${leg.join('')}</g>`);
  out.push('</svg>');
  return out.join('\n');
}

function styleOf(i: number): { color: string; dash: string } {
  return { color: PALETTE[i % PALETTE.length]!, dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length]! };
}

function checkBool(v: unknown, field: string): void {
  if (v !== undefined && typeof v !== 'boolean')
    throw new L2oError('INVALID_OPTION', `${field} must be true or false, got ${String(v)}`);
}

function checkText(v: unknown, field: string): void {
  if (v !== undefined && typeof v !== 'string')
    throw new L2oError('INVALID_OPTION', `${field} must be a string, got ${typeof v}`);
}

/**
 * Loss against step for every optimizer of an evaluation, like the paper's figures: the mean over problems
 * as a line, the interquartile range as a translucent band, a log-scaled y axis with decade ticks, and a
 * legend with each optimizer's final mean loss. NaN, ±∞ and (on a log axis) non-positive means are left out
 * of the lines (the line breaks there); band edges beyond the axis are clipped to it.
 */
export function lossCurvesSvg(result: EvaluationResult, options: LossCurvesSvgOptions = {}): string {
  const band = options.band ?? 'iqr';
  if (band !== 'iqr' && band !== 'none')
    throw new L2oError('INVALID_OPTION', `lossCurvesSvg: band must be 'iqr' or 'none', got ${String(band)}`);
  checkBool(options.logY, 'lossCurvesSvg: logY');
  for (const f of ['title', 'xLabel', 'yLabel'] as const) checkText(options[f], `lossCurvesSvg: ${f}`);
  if (!result || !Array.isArray(result.curves))
    throw new L2oError('INVALID_OPTION', 'lossCurvesSvg: result must be an EvaluationResult with curves');
  const logY = options.logY ?? true;
  const series: Series[] = result.curves.map((c, i) => {
    const points = c.mean.map((y, t) => [t, y] as const);
    const s: Series = {
      name: c.name,
      value: formatNumber(c.mean[c.mean.length - 1] ?? NaN, 3),
      ...styleOf(i),
      points,
    };
    if (band === 'iqr') s.band = c.q25.map((lo, t) => ({ x: t, lo, hi: c.q75[t] ?? NaN }));
    return s;
  });
  const iqr = band === 'iqr' ? '; band: interquartile range' : '';
  return renderChart({
    width: validDimension(options.width, 760, 'lossCurvesSvg: width', 200),
    height: validDimension(options.height, 460, 'lossCurvesSvg: height', 150),
    title: options.title ?? result.family,
    subtitle: `mean over ${result.problems} problem${result.problems === 1 ? '' : 's'}${iqr}`,
    xLabel: options.xLabel ?? 'step',
    yLabel: options.yLabel ?? 'loss',
    logY,
    xDomain: [0, result.steps],
    integerX: true,
    legendTitle: `final mean (step ${result.steps})`,
    series,
  });
}

/**
 * A meta-training curve: the training meta-loss per epoch (line) and the validation loss where it was
 * measured (line with dots, the best one ringed), against epoch, log y by default. Missing or non-finite
 * values are skipped.
 */
export function metaTrainingSvg(points: readonly MetaTrainingPoint[], options: MetaTrainingSvgOptions = {}): string {
  if (!Array.isArray(points))
    throw new L2oError(
      'INVALID_OPTION',
      'metaTrainingSvg: points must be an array of { epoch, metaLoss?, validation? }',
    );
  checkBool(options.logY, 'metaTrainingSvg: logY');
  for (const f of ['title', 'xLabel', 'yLabel'] as const) checkText(options[f], `metaTrainingSvg: ${f}`);
  points.forEach((p, i) => {
    if (!p || typeof p.epoch !== 'number' || !Number.isFinite(p.epoch)) {
      throw new L2oError(
        'INVALID_OPTION',
        `metaTrainingSvg: points[${i}].epoch must be a finite number, got ${String(p?.epoch)}`,
      );
    }
  });
  const logY = options.logY ?? true;
  const sorted = [...points].sort((a, b) => a.epoch - b.epoch);
  const drawable = (y: number | undefined): y is number => y !== undefined && Number.isFinite(y) && (!logY || y > 0);
  const train = sorted.filter((p) => p.metaLoss !== undefined).map((p) => [p.epoch, p.metaLoss!] as const);
  const val = sorted.filter((p) => p.validation !== undefined).map((p) => [p.epoch, p.validation!] as const);
  let best: readonly [number, number] | undefined;
  for (const [e, v] of val) if (drawable(v) && (best === undefined || v < best[1])) best = [e, v];
  const lastTrain = [...train].reverse().find(([, v]) => Number.isFinite(v));
  const series: Series[] = [
    {
      name: 'meta-loss (train)',
      value: lastTrain ? `last ${formatNumber(lastTrain[1], 3)}` : '—',
      ...styleOf(0),
      points: train,
    },
    {
      name: 'validation',
      value: best ? `best ${formatNumber(best[1], 3)} @ ${formatNumber(best[0], 6)}` : '—',
      ...styleOf(1),
      points: val,
      markers: true,
      ...(best ? { highlight: best } : {}),
    },
  ];
  const first = sorted[0]?.epoch ?? 0;
  const last = sorted[sorted.length - 1]?.epoch ?? 1;
  (options.references ?? []).forEach((r, i) => {
    if (!r || typeof r.name !== 'string' || typeof r.value !== 'number' || !Number.isFinite(r.value)) {
      throw new L2oError(
        'INVALID_OPTION',
        `metaTrainingSvg: references[${i}] must be { name: string, value: finite number }, got ${JSON.stringify(r)}`,
      );
    }
    series.push({
      name: r.name,
      value: formatNumber(r.value, 3),
      color: PALETTE[(i + 2) % PALETTE.length]!,
      dash: '6 4',
      points: [
        [first, r.value],
        [last, r.value],
      ],
    });
  });
  return renderChart({
    width: validDimension(options.width, 760, 'metaTrainingSvg: width', 200),
    height: validDimension(options.height, 420, 'metaTrainingSvg: height', 150),
    title: options.title ?? 'meta-training',
    subtitle: '',
    xLabel: options.xLabel ?? 'epoch',
    yLabel: options.yLabel ?? 'loss',
    logY,
    xDomain: [first, last],
    integerX: sorted.every((p) => Number.isInteger(p.epoch)),
    legendTitle: '',
    series,
  });
}
