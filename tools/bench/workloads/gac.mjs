// Bench workload `gac`: the coordinate-sharing optimizers' meta-iteration on the LSTM's reference workload (the one
// `npm run bench -- lstm` times), fused, against the LSTM's fused meta-iteration in the same process, with GAC's
// tfjs tape for comparison. Records section `gac` with ratios `gac-meta-iteration-vs-lstm` and
// `ntm-meta-iteration-vs-lstm` (fused s ÷ LSTM fused s) in docs/results/bench/summary.json.
//
// Reference workload: MNIST-shaped 784-20-10 sigmoid MLP on fixed random data (batch 128), N = 15,910
// coordinates; horizon 100, unroll 20 → 5 meta-iterations per epoch, through `metaTrain` from '@l2o/core'.
// Optimizers: `lstmOptimizer()` (paper: 2×20, log/sign, output ×0.1), `gacOptimizer()` (the same LSTM with
// 5 global averaging cells per layer, averaged over all coordinates) and `ntmBfgsOptimizer()` (NTM-L-BFGS: that
// LSTM+GAC as controller with its read fed back, 1 read and 3 write heads, a window of 30 pairs).
//
// Jobs (each in its own child process):
//   fused-pair  the three fused optimizers epoch by epoch in one process, in the order L G N, G N L, N L G … (each
//               epoch one `metaTrain` call of 1 epoch continuing from that optimizer's φ), so all see the same
//               load; epoch 1 of each is warm-up. Seconds per meta-iteration = epoch time / 5 (the validation
//               before and after each call is outside it); a ratio is the median over epochs of GAC's (NTM's) ÷
//               the LSTM's in the same round.
//   gac-tape    metaTrain({ fused: false }) of GAC for --tape-epochs epochs (epoch 1 warm-up).
//
// The fused kernels run as a Node user gets them (the package's `node` entry registers the helper thread, so the
// controller's unroll runs on 2 threads); --kernel-threads 1 leaves the helper unregistered (one thread each).
//
// Usage: node tools/bench/workloads/gac.mjs [--epochs 8] [--tape-epochs 3] [--no-tape] [--backend wasm|cpu]
//        [--kernel-threads auto|1]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordBench } from '../record-bench.mjs';
import { bundleSources, loadavg, median, option, printTable, randomMlpFamily, root, runChildJobs } from '../lib.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => option(args, name, dflt);
const EPOCHS = Number(opt('epochs', '8'));
const TAPE_EPOCHS = Number(opt('tape-epochs', '3'));
const BACKEND = opt('backend', 'wasm');
const KERNEL_THREADS = opt('kernel-threads', 'auto');
const HORIZON = 100;
const UNROLL = 20;
const PER_EPOCH = HORIZON / UNROLL;

for (const [name, v] of [
  ['epochs', EPOCHS],
  ['tape-epochs', TAPE_EPOCHS],
])
  if (!Number.isInteger(v) || v < 2)
    throw new Error(`--${name}: must be an integer ≥ 2 (epoch 1 is warm-up), got ${v}`);
if (!['wasm', 'cpu'].includes(BACKEND)) throw new Error(`--backend: allowed values wasm, cpu; got ${BACKEND}`);
if (!['auto', '1'].includes(KERNEL_THREADS))
  throw new Error(`--kernel-threads: allowed values auto, 1; got ${KERNEL_THREADS}`);

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
      `export { ntmBfgsOptimizer } from '@l2o/optimizer-ntm-bfgs';`,
      `export { kernelThreadsAvailable } from '@l2o/optimizer-lstm/extend';`,
      ...(KERNEL_THREADS === '1'
        ? []
        : [
            `import { registerNodeKernelThreads } from ${JSON.stringify(join(root, 'packages/optimizer-lstm/src/node/worker-threads.ts'))};`,
            'registerNodeKernelThreads();',
          ]),
    ],
    'bench-gac',
  );
  const loadStart = loadavg();
  console.log(`gac meta-iteration — backend ${BACKEND}, load average ${loadStart}`);
  const jobs = ['fused-pair', ...(args.includes('--no-tape') ? [] : ['gac-tape'])];
  const results = runChildJobs(fileURLToPath(import.meta.url), args, jobs, bundle);

  const loadEnd = loadavg();
  const seconds = {};
  const ratios = {};
  const rows = [['job', 's/meta-iter (median)', 'timed epochs (s/meta-iter)', 'load 1m']];
  const pair = results['fused-pair'];
  if (pair) {
    for (const [k, name] of [
      ['lstm', 'lstm-fused'],
      ['gac', 'gac-fused'],
      ['ntm', 'ntm-fused'],
    ]) {
      seconds[`l2o-${name}`] = median(pair[k]);
      rows.push([name, seconds[`l2o-${name}`].toFixed(3), pair[k].map((s) => s.toFixed(3)).join(' '), pair.load]);
    }
    if (Object.values(pair.fusedUnrolls).some((u) => u === 0))
      throw new Error(
        `fused-pair: metaTrain did not go through the fused unroll (${JSON.stringify(pair.fusedUnrolls)})`,
      );
    ratios['gac-meta-iteration-vs-lstm'] = median(pair.gac.map((g, i) => g / pair.lstm[i]));
    ratios['ntm-meta-iteration-vs-lstm'] = median(pair.ntm.map((g, i) => g / pair.lstm[i]));
    // CPU seconds (both threads) are less sensitive than wall time to other jobs taking the cores.
    seconds['l2o-lstm-fused-cpu'] = median(pair.lstmCpu);
    seconds['l2o-gac-fused-cpu'] = median(pair.gacCpu);
    seconds['l2o-ntm-fused-cpu'] = median(pair.ntmCpu);
    ratios['gac-meta-iteration-cpu-vs-lstm'] = median(pair.gacCpu.map((g, i) => g / pair.lstmCpu[i]));
    ratios['ntm-meta-iteration-cpu-vs-lstm'] = median(pair.ntmCpu.map((g, i) => g / pair.lstmCpu[i]));
    rows.push([
      'lstm-fused CPU',
      seconds['l2o-lstm-fused-cpu'].toFixed(3),
      pair.lstmCpu.map((s) => s.toFixed(3)).join(' '),
      '',
    ]);
    for (const k of ['gac', 'ntm'])
      rows.push([
        `${k}-fused CPU`,
        seconds[`l2o-${k}-fused-cpu`].toFixed(3),
        pair[`${k}Cpu`].map((s) => s.toFixed(3)).join(' '),
        '',
      ]);
  }
  const tape = results['gac-tape'];
  if (tape) {
    seconds['l2o-gac-tape'] = median(tape.gac);
    rows.push(['gac-tape', seconds['l2o-gac-tape'].toFixed(3), tape.gac.map((s) => s.toFixed(3)).join(' '), tape.load]);
    if (seconds['l2o-gac-fused'])
      ratios['gac-meta-iteration-fused-vs-tape'] = seconds['l2o-gac-fused'] / seconds['l2o-gac-tape'];
  }
  console.log(
    `\n=== reference workload (N = 15,910, unroll 20), s per meta-iteration, fused kernels on ${pair?.kernelThreads ?? '?'} thread(s); load ${loadStart} → ${loadEnd}`,
  );
  printTable(rows);
  for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ${v.toFixed(3)}`);
  if (Object.keys(seconds).length) {
    recordBench('gac', {
      seconds,
      ratios,
      notes:
        's per meta-iteration on the LSTM reference workload (784-20-10 MLP, N = 15,910, unroll 20, horizon 100), ' +
        `backend ${BACKEND}: LSTM+GAC (2×20, 5 global cells per layer, averaged over all coordinates) fused and on ` +
        `the tfjs tape, NTM-L-BFGS (that controller, 1 read / 3 write heads, window 30) fused, the 2×20 LSTM ` +
        `fused (kernel threads: ${pair?.kernelThreads ?? 'n/a'}); the fused three interleaved epoch by epoch in one process (${EPOCHS} ` +
        `epochs each, epoch 1 warm-up), ratios = medians of the per-pair ratios (wall time; -cpu: CPU time of ` +
        `both threads); load ${loadStart} → ${loadEnd}`,
    });
  }
}

// ----------------------------------------------------------------------------------------------------- child
async function child(job, bundleUrl) {
  const tf = await import('@tensorflow/tfjs');
  const { initEngine, metaTrain, disposeMap, lstmOptimizer, gacOptimizer, ntmBfgsOptimizer, kernelThreadsAvailable } =
    await import(bundleUrl);
  await initEngine(BACKEND);
  const fusedUnrolls = { lstm: 0, gac: 0, ntm: 0 };
  const observed = (key, base) => ({
    ...base,
    beginFusedUnroll(phi, state) {
      const u = base.beginFusedUnroll?.(phi, state);
      if (u) fusedUnrolls[key]++;
      return u;
    },
  });
  const learned = {
    lstm: observed('lstm', lstmOptimizer()),
    gac: observed('gac', gacOptimizer()),
    ntm: observed('ntm', ntmBfgsOptimizer()),
  };
  const family = randomMlpFamily(tf, 20);
  const phi = {};
  /** One epoch of `key` continuing from its φ: seconds per meta-iteration. */
  const epoch = async (key, e, fused) => {
    let start = Number.NaN;
    let end = Number.NaN;
    let cpuStart;
    let cpuEnd;
    const result = await metaTrain({
      learned: learned[key],
      family,
      epochs: 1,
      horizon: HORIZON,
      unroll: UNROLL,
      seed: 1 + e,
      validateEvery: 1,
      validationProblems: 1,
      fused,
      ...(phi[key] ? { initialMetaParams: phi[key] } : {}),
      onProgress(ev) {
        if (ev.kind === 'validation' && ev.epoch === 0) {
          start = ev.elapsedSeconds;
          cpuStart = process.cpuUsage();
        }
        if (ev.kind === 'epoch') {
          end = ev.elapsedSeconds;
          cpuEnd = process.cpuUsage(cpuStart);
        }
      },
    });
    if (phi[key]) disposeMap(phi[key]);
    disposeMap(result.metaParams);
    phi[key] = result.lastMetaParams;
    const s = (end - start) / PER_EPOCH;
    const cpu = (cpuEnd.user + cpuEnd.system) / 1e6 / PER_EPOCH;
    console.log(
      `${key}${fused ? ' fused' : ' tape'} epoch ${e + 1}${e === 0 ? ' (warm-up)' : ''}: ${s.toFixed(3)} s/meta-iteration ` +
        `(CPU ${cpu.toFixed(3)} s, both threads)`,
    );
    return { s, cpu };
  };
  const out = { lstm: [], gac: [], ntm: [], lstmCpu: [], gacCpu: [], ntmCpu: [] };
  if (job === 'fused-pair') {
    for (let e = 0; e < EPOCHS; e++) {
      const keys = ['lstm', 'gac', 'ntm'];
      const order = keys.map((_, i) => keys[(i + e) % 3]);
      for (const key of order) {
        const { s, cpu } = await epoch(key, e, true);
        if (e > 0) {
          out[key].push(s);
          out[`${key}Cpu`].push(cpu);
        }
      }
    }
  } else {
    for (let e = 0; e < TAPE_EPOCHS; e++) {
      const { s, cpu } = await epoch('gac', e, false);
      if (e > 0) {
        out.gac.push(s);
        out.gacCpu.push(cpu);
      }
    }
  }
  for (const k of Object.keys(phi)) disposeMap(phi[k]);
  const kernelThreads = kernelThreadsAvailable() ? 2 : 1;
  console.log(`RESULT ${JSON.stringify({ ...out, fusedUnrolls, kernelThreads, load: loadavg().split(' ')[0] })}`);
}
