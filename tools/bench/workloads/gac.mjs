// Bench workload `gac`: LSTM+GAC's meta-iteration on the LSTM's reference workload (the one `npm run bench -- lstm`
// times), fused against the LSTM's fused meta-iteration in the same sitting, with GAC's tfjs tape for comparison.
// Records section `gac` with ratio `gac-meta-iteration-vs-lstm` (GAC fused s ÷ LSTM fused s) in
// docs/results/bench/summary.json.
//
// Reference workload: MNIST-shaped 784-20-10 sigmoid MLP on fixed random data (batch 128), N = 15,910
// coordinates; horizon 100, unroll 20 → 5 meta-iterations per epoch, through `metaTrain` from '@l2o/core'.
// Optimizers: `lstmOptimizer()` (paper: 2×20, log/sign, output ×0.1) and `gacOptimizer()` (the same LSTM with
// 5 global averaging cells per layer, averaged over all coordinates). Seconds per meta-iteration = median over
// the timed epochs (epoch 1 of every job is warm-up) of (time between 'epoch' progress events) / 5.
//
// Jobs (each in its own child process): lstm-fused, gac-fused (metaTrain's default: the learned optimizer's
// fused unroll), gac-tape (metaTrain({ fused: false }): the tfjs tape). The two fused jobs run `--rounds` times
// in the order L G G L … (so a load change during the run biases neither), their timed epochs pooled.
//
// Usage: node tools/bench/workloads/gac.mjs [--epochs 4] [--rounds 2] [--no-tape] [--backend wasm|cpu]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { recordBench } from '../record-bench.mjs';
import { bundleSources, loadavg, median, option, printTable, randomMlpFamily } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => option(args, name, dflt);
const EPOCHS = Number(opt('epochs', '4'));
const ROUNDS = Number(opt('rounds', '2'));
const BACKEND = opt('backend', 'wasm');

if (!Number.isInteger(EPOCHS) || EPOCHS < 2)
  throw new Error(`--epochs: must be an integer ≥ 2 (epoch 1 is warm-up), got ${EPOCHS}`);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds: must be a positive integer, got ${ROUNDS}`);
if (!['wasm', 'cpu'].includes(BACKEND)) throw new Error(`--backend: allowed values wasm, cpu; got ${BACKEND}`);

if (opt('child', undefined)) {
  await child(opt('child'), opt('bundle'));
} else {
  await parent();
}

// ---------------------------------------------------------------------------------------------------- parent
async function parent() {
  const bundle = await bundleSources(
    [
      `export { initEngine, metaTrain, disposeMap } from '@l2o/core';`,
      `export { lstmOptimizer } from '@l2o/optimizer-lstm';`,
      `export { gacOptimizer } from '@l2o/optimizer-gac';`,
    ],
    'bench-gac',
  );
  const loadStart = loadavg();
  console.log(
    `gac meta-iteration — backend ${BACKEND}, ${EPOCHS} epochs per metaTrain job (epoch 1 = warm-up), ` +
      `${ROUNDS} round(s) of the fused pair, load average ${loadStart}`,
  );
  const order = [];
  for (let r = 0; r < ROUNDS; r++)
    order.push(...(r % 2 === 0 ? ['lstm-fused', 'gac-fused'] : ['gac-fused', 'lstm-fused']));
  if (!args.includes('--no-tape')) order.push('gac-tape');
  const runs = {};
  try {
    for (const job of order) {
      console.log(`\n--- ${job}`);
      const r = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), ...args, '--child', job, '--bundle', bundle.url],
        { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', maxBuffer: 1 << 24 },
      );
      const lines = r.stdout.split('\n');
      process.stdout.write(lines.filter((l) => !l.startsWith('RESULT ')).join('\n'));
      const line = lines.find((l) => l.startsWith('RESULT '));
      if (r.status !== 0 || !line) {
        console.log(`${job}: failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''})`);
        continue;
      }
      if (!runs[job]) runs[job] = [];
      runs[job].push(JSON.parse(line.slice(7)));
    }
  } finally {
    bundle.cleanup();
  }

  const perIter = {};
  const rows = [['job', 'runs', 's/meta-iter', 'timed epochs (s/meta-iter)', 'fused unrolls', 'load 1m']];
  for (const job of ['lstm-fused', 'gac-fused', 'gac-tape']) {
    const rs = runs[job];
    if (!rs) continue;
    const timed = rs.flatMap((r) => r.timed);
    perIter[job] = median(timed);
    rows.push([
      job,
      String(rs.length),
      perIter[job].toFixed(3),
      timed.map((s) => s.toFixed(3)).join(' '),
      rs.map((r) => r.fusedUnrolls).join('+'),
      rs.map((r) => r.load).join(' '),
    ]);
    if (job.endsWith('fused') && rs.some((r) => r.fusedUnrolls === 0))
      throw new Error(`${job}: metaTrain did not go through the fused unroll`);
  }
  const loadEnd = loadavg();
  console.log(
    `\n=== reference workload (N = 15,910, unroll 20), median s per meta-iteration; load ${loadStart} → ${loadEnd}`,
  );
  printTable(rows);
  const seconds = {};
  for (const [job, s] of Object.entries(perIter)) seconds[`l2o-${job}`] = s;
  const ratios = {};
  if (perIter['gac-fused'] && perIter['lstm-fused'])
    ratios['gac-meta-iteration-vs-lstm'] = perIter['gac-fused'] / perIter['lstm-fused'];
  if (perIter['gac-fused'] && perIter['gac-tape'])
    ratios['gac-meta-iteration-fused-vs-tape'] = perIter['gac-fused'] / perIter['gac-tape'];
  for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ${v.toFixed(3)}`);
  if (Object.keys(seconds).length) {
    recordBench('gac', {
      seconds,
      ratios,
      notes:
        's per meta-iteration on the LSTM reference workload (784-20-10 MLP, N = 15,910, unroll 20, horizon 100), ' +
        `backend ${BACKEND}: LSTM+GAC (2×20, 5 global cells per layer, averaged over all coordinates) fused and on ` +
        `the tfjs tape, the 2×20 LSTM fused; fused jobs ${ROUNDS} round(s) interleaved, timed epochs pooled; ` +
        `load ${loadStart} → ${loadEnd}`,
    });
  }
}

// ----------------------------------------------------------------------------------------------------- child
async function child(job, bundleUrl) {
  const tf = await import('@tensorflow/tfjs');
  const { initEngine, metaTrain, disposeMap, lstmOptimizer, gacOptimizer } = await import(bundleUrl);
  await initEngine(BACKEND);
  const horizon = 100;
  const unroll = 20;
  const perEpoch = horizon / unroll;
  const base = job.startsWith('gac') ? gacOptimizer() : lstmOptimizer();
  let fusedUnrolls = 0;
  const learned = {
    ...base,
    beginFusedUnroll(phi, state) {
      const u = base.beginFusedUnroll?.(phi, state);
      if (u) fusedUnrolls++;
      return u;
    },
  };
  const epochAt = [];
  let validationAt0 = Number.NaN;
  const result = await metaTrain({
    learned,
    family: randomMlpFamily(tf, 20),
    epochs: EPOCHS,
    horizon,
    unroll,
    seed: 1,
    validateEvery: EPOCHS,
    validationProblems: 1,
    fused: job !== 'gac-tape',
    onProgress(e) {
      if (e.kind === 'validation' && e.epoch === 0) validationAt0 = e.elapsedSeconds;
      if (e.kind !== 'epoch') return;
      epochAt.push(e.elapsedSeconds);
      const prev = epochAt.length > 1 ? epochAt[epochAt.length - 2] : validationAt0;
      const dt = e.elapsedSeconds - prev;
      console.log(
        `${job} epoch ${e.epoch}${e.epoch === 1 ? ' (warm-up)' : ''}: ${(dt / perEpoch).toFixed(3)} s/meta-iteration, ` +
          `meta-loss ${e.metaLoss?.toFixed(4)}`,
      );
    },
  });
  disposeMap(result.metaParams);
  disposeMap(result.lastMetaParams);
  const epochSeconds = epochAt.map((t, i) => t - (i === 0 ? validationAt0 : epochAt[i - 1]));
  const res = {
    timed: epochSeconds.slice(1).map((s) => s / perEpoch),
    fusedUnrolls,
    load: loadavg().split(' ')[0],
  };
  console.log(`RESULT ${JSON.stringify(res)}`);
}
