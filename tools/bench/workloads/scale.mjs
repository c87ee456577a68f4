#!/usr/bin/env node
// Optimizer step time and state memory at model sizes users train (issue: learned optimizers at scale).
// Loaded as Node users get the packages (their node entries: the LSTM kernels' helper threads registered).
// Every optimizer steps the same tfjs variables through the tf.Optimizer interface users call (`applyGradients`),
// with fixed random gradients, after 2 warm-up steps; the median of --reps steps is reported, and the ratio to
// tf.train.adam measured in the same run. State bytes = tensor bytes the optimizer holds after its first step.
// The section 'scale' of docs/results/bench/summary.json gets the ratios `general-step-vs-adam-<size>` (dense
// layer) and the general preset's state bytes per parameter; every row goes to scale.json beside it.
// LSTM+GAC and NTM-BFGS (no shipped preset: freshly initialised φ, their own default configs) have no fused inference
// kernel; they are measured up to --sharing-max.
//   npm run bench -- scale [--sizes 100k,1m,10m] [--reps 8] [--lstm-max 1m] [--sharing-max 1m]
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { benchDir, recordBench } from '../record-bench.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { initEngine, optimizerForEvaluation, toTfOptimizer, engineInfo, Rng } = await import(
  resolve(root, 'packages/core/dist/index-node.js')
);
const { loadHyperPreset } = await import(resolve(root, 'packages/optimizer-hyper/dist/index.js'));
const { loadLstmPreset } = await import(resolve(root, 'packages/optimizer-lstm/dist/index-node.js'));
const { gacOptimizer } = await import(resolve(root, 'packages/optimizer-gac/dist/index.js'));
const { ntmBfgsOptimizer } = await import(resolve(root, 'packages/optimizer-ntm-bfgs/dist/index.js'));

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SIZES = { '100k': 100_000, '1m': 1_000_000, '10m': 10_000_000 };
const sizes = flag('sizes', '100k,1m,10m').split(',');
for (const s of sizes)
  if (!(s in SIZES)) throw new Error(`--sizes: unknown "${s}"; allowed: ${Object.keys(SIZES).join(', ')}`);
const reps = Number(flag('reps', '8'));
const lstmMax = SIZES[flag('lstm-max', '1m')];
const sharingMax = SIZES[flag('sharing-max', '1m')];
const out = join(benchDir(), 'scale.json');

await initEngine(process.env.L2O_BACKEND);

/** Variables of a model of about n parameters: dense (one [a, b] matrix + bias) or conv (a 3×3 kernel + bias). */
function makeVariables(n, layer) {
  if (layer === 'dense') {
    const a = 1000;
    const b = Math.round(n / a);
    return [
      tf.variable(tf.randomNormal([a, b], 0, 0.05), true, 'dense/w'),
      tf.variable(tf.zeros([b]), true, 'dense/b'),
    ];
  }
  const cin = n >= 10_000_000 ? 512 : n >= 1_000_000 ? 256 : 64;
  const cout = Math.round(n / (9 * cin));
  return [
    tf.variable(tf.randomNormal([3, 3, cin, cout], 0, 0.05), true, 'conv/w'),
    tf.variable(tf.zeros([cout]), true, 'conv/b'),
  ];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(makeOptimizer, n, layer) {
  const vars = makeVariables(n, layer);
  const params = vars.reduce((s, v) => s + v.size, 0);
  const grads = vars.map((v) => ({ name: v.name, tensor: tf.randomNormal(v.shape, 0, 0.01) }));
  const before = tf.memory().numBytes;
  const opt = makeOptimizer();
  const times = [];
  let stateBytes = 0;
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    opt.applyGradients(grads);
    vars[0].dataSync();
    const ms = performance.now() - t0;
    if (i === 0) stateBytes = tf.memory().numBytes - before;
    if (i >= 2) times.push(ms);
  }
  opt.dispose();
  tf.dispose([...vars, ...grads.map((g) => g.tensor)]);
  return { params, ms: median(times), stateBytesPerParam: stateBytes / params };
}

const general = loadHyperPreset('general');
const optimizers = [
  { name: 'tf.train.adam', max: Number.POSITIVE_INFINITY, make: () => tf.train.adam(1e-3) },
  {
    name: 'preset general (hyper)',
    max: Number.POSITIVE_INFINITY,
    make: () => toTfOptimizer(optimizerForEvaluation(general.learned, general.metaParams), { totalSteps: 1000 }),
  },
  ...['mnist-paper', 'mnist-residual', 'quadratic'].map((p) => {
    const preset = loadLstmPreset(p);
    return {
      name: `preset ${p} (LSTM)`,
      max: lstmMax,
      maxFlag: '--lstm-max',
      make: () => toTfOptimizer(optimizerForEvaluation(preset.learned, preset.metaParams), { totalSteps: 1000 }),
    };
  }),
  ...[
    ['LSTM+GAC (fresh φ)', gacOptimizer()],
    ['NTM-BFGS (fresh φ)', ntmBfgsOptimizer()],
  ].map(([name, learned]) => {
    const phi = learned.initMetaParams(Rng.seeded(1));
    return {
      name,
      max: sharingMax,
      maxFlag: '--sharing-max',
      make: () => toTfOptimizer(optimizerForEvaluation(learned, phi), { totalSteps: 1000 }),
    };
  }),
];

const load = loadavg()[0];
console.log(
  `scale bench: ${engineInfo().backend}, ${cpus().length} cores, load ${load.toFixed(2)}, median of ${reps} steps`,
);
const rows = [];
for (const layer of ['dense', 'conv']) {
  for (const s of sizes) {
    const n = SIZES[s];
    let adamMs = Number.NaN;
    for (const o of optimizers) {
      if (n > o.max) {
        const why = o.maxFlag;
        rows.push({ layer, size: s, optimizer: o.name, skipped: `above ${why} (${o.max} parameters)` });
        console.log(`${layer.padEnd(5)} ${s.padEnd(4)} ${o.name.padEnd(28)} skipped (above ${why})`);
        continue;
      }
      const r = measure(o.make, n, layer);
      if (o.name === 'tf.train.adam') adamMs = r.ms;
      const ratio = r.ms / adamMs;
      rows.push({ layer, size: s, optimizer: o.name, ...r, ratioToAdam: ratio });
      console.log(
        `${layer.padEnd(5)} ${s.padEnd(4)} ${o.name.padEnd(28)} ${r.ms.toFixed(1).padStart(8)} ms  ×${ratio.toFixed(2).padStart(6)} Adam  ${r.stateBytesPerParam.toFixed(1).padStart(6)} B/param`,
      );
    }
  }
}
const pick = (layer, size, name) => rows.find((r) => r.layer === layer && r.size === size && r.optimizer === name);
const ratios = {};
const seconds = {};
for (const s of sizes) {
  const g = pick('dense', s, 'preset general (hyper)');
  const a = pick('dense', s, 'tf.train.adam');
  if (g?.ratioToAdam !== undefined) ratios[`general-step-vs-adam-${s}`] = g.ratioToAdam;
  if (g?.ms !== undefined) seconds[`general-step-dense-${s}`] = g.ms / 1000;
  if (a?.ms !== undefined) seconds[`adam-step-dense-${s}`] = a.ms / 1000;
}
const general1m = pick('dense', '1m', 'preset general (hyper)');
const result = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, model: cpus()[0]?.model ?? 'unknown', load },
  backend: engineInfo().backend,
  reps,
  rows,
  ratios,
};
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote ${out}`);
recordBench('scale', {
  seconds,
  ratios,
  notes: `optimizer step through applyGradients (tf.Optimizer), median of ${reps} steps, ${engineInfo().backend}, load ${load.toFixed(2)}; general preset state ${general1m ? general1m.stateBytesPerParam.toFixed(1) : '?'} B/param at 1M (tf.train.adam 8); LSTM presets measured up to --lstm-max, LSTM+GAC and NTM-BFGS (fresh φ) up to --sharing-max; rows in scale.json`,
});
tf.dispose(Object.values(general.metaParams));
