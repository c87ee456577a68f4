/** One curve of a live chart. */
export interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

const W = 640;
const H = 320;
const PAD = { left: 56, right: 16, top: 28, bottom: 36 };
const NS = 'http://www.w3.org/2000/svg';

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Redraws `svg` with the curves (log-scaled y, steps on x), a legend and axis ticks. */
export function drawCurves(
  svg: SVGSVGElement,
  series: readonly Series[],
  steps: number,
  yLabel: string,
  xLabel = 'step',
  firstX = 0,
): void {
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  if (all.length === 0) return;
  const lo = Math.log10(Math.min(...all));
  const hi = Math.log10(Math.max(...all));
  const span = Math.max(hi - lo, 1e-3);
  const x = (i: number): number => PAD.left + (i / Math.max(1, steps - 1)) * (W - PAD.left - PAD.right);
  const y = (v: number): number => PAD.top + ((hi - Math.log10(v)) / span) * (H - PAD.top - PAD.bottom);
  svg.append(
    el('rect', {
      x: PAD.left,
      y: PAD.top,
      width: W - PAD.left - PAD.right,
      height: H - PAD.top - PAD.bottom,
      fill: 'none',
      stroke: '#ccc',
    }),
  );
  for (let k = 0; k <= 4; k++) {
    const v = 10 ** (lo + (k / 4) * span);
    svg.append(el('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, v.toPrecision(2)));
  }
  for (let k = 0; k <= 4; k++) {
    const i = Math.round((k / 4) * (steps - 1));
    svg.append(
      el('text', { x: x(i), y: H - PAD.bottom + 16, 'text-anchor': 'middle', 'font-size': 11 }, String(i + firstX)),
    );
  }
  svg.append(el('text', { x: (W + PAD.left) / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 12 }, xLabel));
  svg.append(el('text', { x: 8, y: 16, 'font-size': 12 }, `${yLabel} (log scale)`));
  series.forEach((s, n) => {
    const pts = s.values
      .map((v, i) => (Number.isFinite(v) && v > 0 ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : ''))
      .filter((p) => p !== '');
    svg.append(el('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': 2 }));
    const last = s.values.at(-1);
    const label = `${s.name}${last === undefined ? '' : `: ${last.toFixed(3)}`}`;
    svg.append(el('rect', { x: W - 220, y: PAD.top + 8 + n * 18, width: 12, height: 3, fill: s.color }));
    svg.append(el('text', { x: W - 202, y: PAD.top + 13 + n * 18, 'font-size': 12 }, label));
  });
}
