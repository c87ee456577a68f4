// Bench workload `cnn`: one loss + gradient of the seed's CIFAR CNN (optimizee-cifar's cifarCnn defaults: 3 ×
// conv 5×5 with 16 channels + batch norm + ReLU + max-pool 2, FC 32 + batch norm + ReLU, FC to 2 classes) at batch
// 32 and 128, through core's lossAndGrad, against the same network in PyTorch (tools/bench/peer/cnn_loss_grad.py)
// in the same sitting. Random 32×32×3 images in [0, 1], one fixed batch per size. Records section `cnn` with
// `cnn-loss-grad-vs-pytorch` (batch 128) and `cnn-loss-grad-b32-vs-pytorch`, each against the faster of PyTorch
// on 2 and on 1 thread.
// Usage: node tools/bench/workloads/cnn.mjs [--reps 11] [--batches 32,128] [--backend wasm|cpu] [--no-peer]
//        [--profile]   (--profile: per-kernel time of one loss + gradient, summed by kernel name)
import { recordBench } from '../record-bench.mjs';
import { bundleSources, loadavg, median, option, printTable, runPeer } from '../lib.mjs';

const args = process.argv.slice(2);
const REPS = Number(option(args, 'reps', '11'));
const BACKEND = option(args, 'backend', 'wasm');
const BATCHES = option(args, 'batches', '32,128').split(',').map(Number);
const CLASSES = 2;
if (!Number.isInteger(REPS) || REPS < 1) throw new Error(`--reps: must be a positive integer, got ${REPS}`);
if (!['wasm', 'cpu'].includes(BACKEND)) throw new Error(`--backend: allowed values wasm, cpu; got ${BACKEND}`);
if (!BATCHES.every((b) => Number.isInteger(b) && b >= 2))
  throw new Error(`--batches: must be a comma-separated list of integers ≥ 2, got ${option(args, 'batches')}`);

const bundle = await bundleSources(
  [
    `export { initEngine, lossAndGrad, disposeMap, Rng } from '@l2o/core';`,
    `export { cifarCnnFamily } from '@l2o/optimizee-cifar';`,
  ],
  'bench-cnn',
);
const tf = await import('@tensorflow/tfjs');
const { initEngine, lossAndGrad, disposeMap, Rng, cifarCnnFamily } = await import(bundle.url);
bundle.cleanup();
const engine = await initEngine(BACKEND);
console.log(`cnn loss + gradient — backend ${engine.backend}, median of ${REPS}, load average ${loadavg()}`);

const rng = Rng.seeded(3);
const SIZE = 256;
const data = {
  name: 'random-32x32x3',
  size: SIZE,
  height: 32,
  width: 32,
  channels: 3,
  images: rng.uniformArray(SIZE * 32 * 32 * 3, 0, 1),
  labels: Uint8Array.from({ length: SIZE }, () => rng.int(CLASSES)),
  numClasses: CLASSES,
  classNames: ['a', 'b'],
};

const l2o = {};
for (const B of BATCHES) {
  const problem = cifarCnnFamily(data, { batchSize: B }).sample(rng);
  const params = problem.init(Rng.seeded(4));
  const batch = problem.sampleBatch(Rng.seeded(5));
  const once = () => {
    const { loss, grads } = lossAndGrad(problem, params, batch);
    loss.dataSync();
    disposeMap(grads);
    loss.dispose();
  };
  for (let i = 0; i < 3; i++) once();
  const n0 = tf.memory().numTensors;
  const runs = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    once();
    runs.push((performance.now() - t0) / 1000);
  }
  const leak = tf.memory().numTensors - n0;
  l2o[B] = median(runs);
  console.log(
    `l2o batch ${B}: ${(l2o[B] * 1e3).toFixed(1)} ms (runs ${runs.map((s) => (s * 1e3).toFixed(0)).join(' ')}; tensor leak ${leak}; load ${loadavg()})`,
  );
  if (args.includes('--profile')) {
    const info = await tf.profile(() => {
      const { loss, grads } = lossAndGrad(problem, params, batch);
      loss.dataSync();
      disposeMap(grads);
      loss.dispose();
    });
    const by = new Map();
    for (const k of info.kernels) {
      const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      const e = by.get(k.name) ?? { ms: 0, calls: 0 };
      e.ms += ms;
      e.calls++;
      by.set(k.name, e);
    }
    const total = [...by.values()].reduce((a, e) => a + e.ms, 0);
    const rows = [['kernel', 'calls', 'ms', 'share']];
    for (const [name, e] of [...by.entries()].sort((a, b) => b[1].ms - a[1].ms))
      rows.push([name, String(e.calls), e.ms.toFixed(2), `${((100 * e.ms) / total).toFixed(1)}%`]);
    console.log(`profile, batch ${B} (sum of kernel times ${total.toFixed(1)} ms):`);
    printTable(rows);
  }
  disposeMap(params);
  batch.x.dispose();
  batch.y.dispose();
}

const peer = {};
let peerMissing;
if (!args.includes('--no-peer')) {
  for (const threads of [2, 1]) {
    console.log(`--- PyTorch peer, ${threads} thread(s): cnn_loss_grad.py ${BATCHES.join(' ')}`);
    const r = runPeer('cnn_loss_grad.py', [...BATCHES, '--reps', REPS, '--classes', CLASSES], threads);
    if (r.missing) {
      peerMissing = r.missing;
      console.log(r.missing);
      break;
    }
    for (const p of r.results) {
      peer[`${p.batch}/${threads}`] = p.seconds;
      console.log(
        `torch ${p.torch}, ${p.threads} thread(s), batch ${p.batch}: ${(p.seconds * 1e3).toFixed(1)} ms (load ${p.load})`,
      );
    }
  }
}

const rows = [['batch', 'l2o ms', 'pytorch 2t ms', 'pytorch 1t ms', 'l2o / best pytorch']];
const seconds = {};
const ratios = {};
for (const B of BATCHES) {
  const p2 = peer[`${B}/2`];
  const p1 = peer[`${B}/1`];
  const best = Math.min(...[p1, p2].filter((x) => x !== undefined));
  seconds[`l2o-b${B}`] = l2o[B];
  if (p2 !== undefined) seconds[`pytorch-2-threads-b${B}`] = p2;
  if (p1 !== undefined) seconds[`pytorch-1-thread-b${B}`] = p1;
  if (Number.isFinite(best))
    ratios[B === 128 ? 'cnn-loss-grad-vs-pytorch' : `cnn-loss-grad-b${B}-vs-pytorch`] = l2o[B] / best;
  const f = (x) => (x === undefined ? '—' : (x * 1e3).toFixed(1));
  rows.push([String(B), f(l2o[B]), f(p2), f(p1), Number.isFinite(best) ? (l2o[B] / best).toFixed(2) : '—']);
}
console.log(`\n=== CNN loss + gradient (load average ${loadavg()})`);
printTable(rows);
recordBench('cnn', {
  seconds,
  ratios,
  notes:
    `seed's CIFAR CNN (3 × conv 5×5 16 ch + BN + ReLU + max-pool, FC 32 + BN, FC 2), loss + gradient, backend ${engine.backend}, ` +
    `median of ${REPS}; ratio against the faster PyTorch thread count` +
    (peerMissing ? `; PyTorch peer not run: ${peerMissing}` : ''),
});
