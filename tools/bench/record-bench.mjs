// The bench's record: every workload merges its section into docs/results/bench/summary.json and re-renders
// summary.md and ratios.svg beside it. Sections written by earlier runs are kept (each carries its own date and
// load), so `npm run bench -- cnn` refreshes only the CNN's numbers.
//
//   import { recordBench } from './record-bench.mjs';
//   recordBench('cnn', { seconds: { 'l2o-b128': 0.21, 'pytorch-b128': 0.07 }, ratios: { 'cnn-loss-grad-vs-pytorch': 3 },
//                        notes: 'batch 128, wasm' });
//
// `seconds` are raw timings (s), `ratios` are dimensionless (l2o / reference: below 1 is faster), `notes` is text.
// Optional: `gflops` (achieved GFLOP/s of kernels, name → number) and `peakGflops` (this CPU's measured peak,
// tools/bench/simd-peak.mjs, stored in the section's machine block). Ratios named `…-efficiency` are the
// exception to "below 1 is faster": achieved ÷ peak GFLOP/s, higher is better (summary.md says so; ratios.svg,
// a chart of l2o / reference, leaves them out).
// A ratio name must be unique across sections (the top-level `ratios` map merges them all). The output folder is
// docs/results/bench of the repository, or $L2O_BENCH_DIR.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where summary.json, summary.md and ratios.svg live. */
export function benchDir() {
  return process.env.L2O_BENCH_DIR ?? join(root, 'docs', 'results', 'bench');
}

/** The machine as the record names it: cores, CPU model, 1/5/15-minute load average now. */
export function machineInfo() {
  const c = cpus();
  return {
    cores: c.length,
    model: c[0]?.model?.trim() ?? 'unknown',
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    node: process.version,
  };
}

function finiteMap(m, field, section) {
  if (m === undefined) return {};
  if (m === null || typeof m !== 'object' || Array.isArray(m))
    throw new Error(`recordBench("${section}").${field}: must be an object of name → number`);
  const out = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`recordBench("${section}").${field}["${k}"]: must be a finite number, got ${String(v)}`);
    out[k] = v;
  }
  return out;
}

function readSummary(file) {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8'));
    if (s && typeof s === 'object' && s.sections && typeof s.sections === 'object') return s;
  } catch (e) {
    if (e.code !== 'ENOENT') throw new Error(`recordBench: cannot read ${file}: ${e.message}`);
  }
  return { sections: {} };
}

function writeAtomic(file, text) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/**
 * Merges one section into summary.json (replacing that section, keeping the others) and re-renders summary.md
 * and ratios.svg. Returns the whole summary.
 */
export function recordBench(section, { seconds, ratios, notes, gflops, peakGflops } = {}) {
  if (typeof section !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(section))
    throw new Error(`recordBench: section must be a kebab-case name, got ${JSON.stringify(section)}`);
  const entry = {
    date: new Date().toISOString(),
    machine: machineInfo(),
    seconds: finiteMap(seconds, 'seconds', section),
    ratios: finiteMap(ratios, 'ratios', section),
    notes: notes === undefined ? '' : String(notes),
  };
  if (gflops !== undefined) entry.gflops = finiteMap(gflops, 'gflops', section);
  if (peakGflops !== undefined) entry.machine.peakGflops = finiteMap(peakGflops, 'peakGflops', section);
  const dir = benchDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'summary.json');
  const summary = readSummary(file);
  for (const [other, s] of Object.entries(summary.sections)) {
    if (other === section) continue;
    for (const r of Object.keys(entry.ratios))
      if (s.ratios && r in s.ratios)
        throw new Error(`recordBench("${section}"): ratio "${r}" is already recorded by section "${other}"`);
  }
  summary.sections[section] = entry;
  const sections = Object.fromEntries(Object.entries(summary.sections).sort(([a], [b]) => a.localeCompare(b)));
  const out = {
    date: entry.date,
    machine: entry.machine,
    ratios: Object.fromEntries(
      Object.values(sections)
        .flatMap((s) => Object.entries(s.ratios ?? {}))
        .sort(([a], [b]) => a.localeCompare(b)),
    ),
    sections,
  };
  writeAtomic(file, `${JSON.stringify(out, null, 2)}\n`);
  writeAtomic(join(dir, 'summary.md'), renderMarkdown(out));
  writeAtomic(join(dir, 'ratios.svg'), renderSvg(out));
  return out;
}

const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(1) : Math.abs(x) >= 1 ? x.toFixed(3) : x.toPrecision(3));
const load = (m) => (m?.loadAverage ?? []).join(' ');

/** summary.md: the ratios, then every section's raw seconds, with date and load. */
export function renderMarkdown(summary) {
  const lines = [
    '# Bench summary',
    '',
    'Written by `npm run bench` (tools/bench); each section is refreshed by its own workload. Ratios are l2o /',
    'reference, measured in the same run on the same machine: below 1 means l2o is faster. Ratios named',
    '`…-efficiency` are achieved ÷ peak GFLOP/s of this CPU (tools/bench/simd-peak.mjs): higher is better.',
    '',
    `Last run ${summary.date} on ${summary.machine.cores} × ${summary.machine.model}.`,
    '',
    '| ratio | value | section | measured | load (1/5/15 min) |',
    '| --- | ---: | --- | --- | --- |',
  ];
  for (const [name, s] of Object.entries(summary.sections))
    for (const [r, v] of Object.entries(s.ratios ?? {}))
      lines.push(`| ${r} | ${fmt(v)} | ${name} | ${s.date.slice(0, 16).replace('T', ' ')} | ${load(s.machine)} |`);
  for (const [name, s] of Object.entries(summary.sections)) {
    lines.push('', `## ${name}`, '', `${s.date} · ${s.machine.cores} cores · load ${load(s.machine)}`);
    if (s.notes) lines.push('', s.notes);
    const peak = Object.entries(s.machine?.peakGflops ?? {});
    if (peak.length) lines.push('', `Measured peak: ${peak.map(([k, v]) => `${k} ${fmt(v)} GFLOP/s`).join(', ')}.`);
    const gf = Object.entries(s.gflops ?? {});
    if (gf.length) {
      lines.push('', '| achieved | GFLOP/s |', '| --- | ---: |');
      for (const [k, v] of gf) lines.push(`| ${k} | ${fmt(v)} |`);
    }
    const secs = Object.entries(s.seconds ?? {});
    if (secs.length) {
      lines.push('', '| timing | seconds |', '| --- | ---: |');
      for (const [k, v] of secs) lines.push(`| ${k} | ${fmt(v)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** ratios.svg: one horizontal bar per ratio on a log₂ axis, with the parity line (1×) marked. */
export function renderSvg(summary) {
  const rows = Object.entries(summary.ratios).filter(([name]) => !name.endsWith('-efficiency'));
  const labelW = 300;
  const plotW = 420;
  const rowH = 22;
  const top = 40;
  const h = top + rows.length * rowH + 40;
  const w = labelW + plotW + 80;
  const lo = -3; // log2 axis from 1/8 …
  const hi = 4; // … to 16
  const x = (v) => labelW + ((Math.min(hi, Math.max(lo, Math.log2(v))) - lo) / (hi - lo)) * plotW;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="10" y="20" font-size="14">l2o / reference (log scale; left of 1× = l2o faster) — ${esc(summary.date.slice(0, 10))}, load ${esc(load(summary.machine))}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const gx = x(2 ** e);
    out.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${h - 30}" stroke="${e === 0 ? '#333' : '#ddd'}"/>`,
      `<text x="${gx}" y="${h - 14}" text-anchor="middle">${e < 0 ? `1/${2 ** -e}` : 2 ** e}×</text>`,
    );
  }
  rows.forEach(([name, v], i) => {
    const y = top + i * rowH;
    const x1 = x(1);
    const x2 = x(v);
    out.push(
      `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end">${esc(name)}</text>`,
      `<rect x="${Math.min(x1, x2)}" y="${y + 3}" width="${Math.max(1, Math.abs(x2 - x1))}" height="${rowH - 8}" fill="${v <= 1 ? '#2a7' : '#d64'}"/>`,
      `<text x="${Math.max(x1, x2) + 4}" y="${y + 14}">${esc(fmt(v))}</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
