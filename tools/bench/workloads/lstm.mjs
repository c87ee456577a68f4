// Bench workload `lstm`: l2o's reference meta-training workload timed through the project's public meta-trainer
// (`metaTrain` from '@l2o/core') against its PyTorch peer (tools/bench/peer/lstm_meta_iteration.py) in the same
// sitting. Records section `lstm` with ratio `lstm-meta-iteration-vs-pytorch` (fused l2o / the faster of PyTorch on
// 2 and on 1 thread) in docs/results/bench/summary.json, and the fused jobs' GFLOP/s (kernel flops of
// tools/bench/lstm-flops.mjs per meta-iteration) against this CPU's f32x4 peak (tools/bench/simd-peak.mjs, measured
// first, for the threads the kernel runs on): ratio `lstm-meta-iteration-simd-efficiency`.
//
// Reference workload: MNIST-shaped 784-20-10 sigmoid MLP (softmax cross-entropy) on fixed random data (batch 128,
// drawn once per problem, as the peer does), N = 15,910 coordinates; `lstmOptimizer()` (paper config: 2×20 LSTM,
// log/sign preprocessing p = 10, output ×0.1); horizon 100, unroll 20 → one epoch = 5 meta-iterations (each:
// forward unroll + meta-gradient + one Adam step on φ). `validateEvery` = epochs and one validation problem, so
// validation runs only before epoch 1 and after the last epoch, outside the timed epochs. Seconds per
// meta-iteration = (time between consecutive 'epoch' progress events) / 5, median over epochs 2…E (epoch 1 is
// the warm-up).
//
// Jobs (each in its own child process, so peak RSS is that job's alone):
//   ref-fused    reference workload, metaTrain's default path (learned.beginFusedUnroll: the wasm kernel)
//   ref-generic  reference workload, metaTrain({ fused: false }) (tfjs tape replay + unrollMetaGradient)
//   x4-fused     4× the reference (N × unroll): --x4 hidden → 784-80-10 MLP, N = 63,610, unroll 20, horizon 100;
//                --x4 unroll → N = 15,910, unroll 80, horizon 160 (2 meta-iterations per epoch)
// The PyTorch peer runs inside the ref-fused job, after each of its epochs (the epoch's clock paused meanwhile), so
// that every l2o epoch has a peer measurement from the same minutes of this host, whose speed drifts over minutes;
// the ratio is the median over epochs 2…E of (l2o's meta-iteration ÷ the faster of the peer's 2- and 1-thread medians
// after it), where l2o's is the median of the epoch's meta-iterations after its first (each timed from one
// metaGradient's end to the next, as the peer times its own). --no-peer skips the peer.
//
// --phases: the fused jobs also print where a meta-iteration's time goes (medians over epochs 2…E): each forward
// step of the unroll by its index, the gaps between the fused calls (the optimizee's loss and gradient, θ + u, the
// JS around them), the metaGradient call, and the rest of the iteration (φ's Adam step, the next unroll's start).
// --no-record: print only, leave docs/results/bench as it is (for diagnostic runs).
//
// Usage: node tools/bench/workloads/lstm.mjs [--epochs 8] [--jobs ref-fused,ref-generic,x4-fused]
//        [--x4 hidden|unroll] [--backend wasm|cpu] [--peer-reps 5] [--no-peer] [--kernel-threads auto|1]
//        [--phases] [--no-record]
// The machine may be shared: medians are noisy; the load average is recorded with the results.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { recordBench } from '../record-bench.mjs';
import {
  bundleSources,
  loadavg,
  median,
  option,
  printTable,
  randomMlpFamily,
  root,
  runChildJobs,
  runPeer,
} from '../lib.mjs';
import { lstmMetaIterationFlops } from '../lstm-flops.mjs';
import { describePeaks, measurePeaks, peakGflopsRecord, simdPeakFor } from '../simd-peak.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => option(args, name, dflt);
const EPOCHS = Number(opt('epochs', '8'));
const BACKEND = opt('backend', 'wasm');
const X4 = opt('x4', 'hidden');
const PEER_REPS = Number(opt('peer-reps', '5'));
const KERNEL_THREADS = opt('kernel-threads', 'auto') === '1' ? 1 : 'auto';
const PHASES = args.includes('--phases');
const RECORD = !args.includes('--no-record');
const ALL_JOBS = ['ref-fused', 'ref-generic', 'x4-fused'];
const MiB = (bytes) => (bytes / 2 ** 20).toFixed(0);

if (!Number.isInteger(EPOCHS) || EPOCHS < 2)
  throw new Error(`--epochs: must be an integer ≥ 2 (epoch 1 is warm-up), got ${EPOCHS}`);
if (X4 !== 'hidden' && X4 !== 'unroll') throw new Error(`--x4: allowed values hidden, unroll; got ${X4}`);
if (!['wasm', 'cpu'].includes(BACKEND)) throw new Error(`--backend: allowed values wasm, cpu; got ${BACKEND}`);
if (!Number.isInteger(PEER_REPS) || PEER_REPS < 1)
  throw new Error(`--peer-reps: must be a positive integer, got ${PEER_REPS}`);

if (opt('child', undefined)) {
  await child(opt('child'), opt('bundle'));
} else {
  await parent();
}

// ---------------------------------------------------------------------------------------------------- parent
async function parent() {
  const jobs = (opt('jobs', ALL_JOBS.join(',')) || '').split(',').filter(Boolean);
  for (const j of jobs)
    if (!ALL_JOBS.includes(j)) throw new Error(`--jobs: unknown "${j}"; allowed values ${ALL_JOBS.join(', ')}`);
  const bundle = await bundleSources(
    [
      `export { initEngine, metaTrain, disposeMap } from '@l2o/core';`,
      `export { lstmOptimizer } from '@l2o/optimizer-lstm';`,
      `export { kernelThreadsAvailable, lstmInputSize } from '@l2o/optimizer-lstm/extend';`,
      // As a Node user gets the package (its `node` entry): the fused kernels' helper thread registered, so the
      // unroll runs on 2 threads ('auto'); --kernel-threads 1 leaves it unregistered (one thread).
      ...(KERNEL_THREADS === 1
        ? []
        : [
            `import { registerNodeKernelThreads } from ${JSON.stringify(join(root, 'packages/optimizer-lstm/src/node/worker-threads.ts'))};`,
            'registerNodeKernelThreads();',
          ]),
    ],
    'bench-lstm',
  );
  console.log(
    `lstm meta-iteration — backend ${BACKEND}, ${EPOCHS} epochs per metaTrain job (epoch 1 = warm-up), load average ${loadavg()}`,
  );
  const peaks = await measurePeaks({ seconds: 2, threads: 2 });
  console.log(`${describePeaks(peaks)}; load average ${loadavg()}`);
  const results = runChildJobs(fileURLToPath(import.meta.url), args, jobs, bundle);
  // The peer's runs, from the epoch pairs of the ref-fused job (see child()).
  const pairs = results['ref-fused']?.peerPairs ?? [];
  const peerMissing = results['ref-fused']?.peerMissing;
  const peerRuns = { 1: pairs.flatMap((q) => q.runs[1]), 2: pairs.flatMap((q) => q.runs[2]) };
  const peer = {};
  for (const t of [2, 1])
    if (peerRuns[t].length) {
      peer[t] = median(peerRuns[t]);
      peer[`load${t}`] = pairs[pairs.length - 1].load;
    }
  const pairRatios = pairs.map((q) => q.l2o / Math.min(median(q.runs[1]), median(q.runs[2])));
  if (pairs.length) {
    console.log('\n=== ref-fused epoch by epoch against the PyTorch peer run right after it (s per meta-iteration)');
    printTable([
      ['epoch', 'l2o', 'peer 2t', 'peer 1t', 'ratio', 'load 1m'],
      ...pairs.map((q, i) => [
        String(q.epoch),
        q.l2o.toFixed(3),
        median(q.runs[2]).toFixed(3),
        median(q.runs[1]).toFixed(3),
        pairRatios[i].toFixed(3),
        q.load,
      ]),
    ]);
  }

  console.log(
    `\n=== meta-training through metaTrain (median s per meta-iteration over epochs 2…${EPOCHS}; load average ${loadavg()})`,
  );
  const rows = [
    [
      'job',
      'workload',
      'N',
      'unroll',
      's/meta-iter',
      'epochs timed',
      'peak RSS MiB',
      'kernel MiB',
      '/ peer 2t',
      '/ peer 1t',
      'load 1m',
    ],
  ];
  for (const job of ALL_JOBS) {
    const r = results[job];
    if (!r) continue;
    const isRef = job.startsWith('ref');
    rows.push([
      job + (r.fusedUnrolls === 0 && job.endsWith('fused') ? ' (NOT fused!)' : ''),
      isRef ? 'reference' : `4× (${X4})`,
      String(r.N),
      String(r.unroll),
      r.secondsPerMetaIteration.toFixed(3),
      String(r.epochSeconds.length - 1),
      MiB(r.maxRssBytes),
      r.kernelBytes ? MiB(r.kernelBytes) : '—',
      isRef && peer[2] ? (r.secondsPerMetaIteration / peer[2]).toFixed(2) : '—',
      isRef && peer[1] ? (r.secondsPerMetaIteration / peer[1]).toFixed(2) : '—',
      r.load,
    ]);
  }
  for (const t of [2, 1])
    if (peer[t])
      rows.push([
        `pytorch peer ${t}t`,
        'reference',
        '15910',
        '20',
        peer[t].toFixed(3),
        `${peerRuns[t].length} reps`,
        '',
        '',
        '',
        '',
        peer[`load${t}`],
      ]);
  printTable(rows);

  // The fused jobs' arithmetic rate: the kernel flops of one meta-iteration (tools/bench/lstm-flops.mjs) over
  // (a) the whole meta-iteration (kernel, the optimizee's gradients in tfjs, the JS between them) and (b) the time
  // inside the fused unroll's step / metaGradient calls (the kernel and the copies in and out of it).
  const gflops = {};
  const effRows = [
    ['job', 'GFLOP/meta-iter', 'threads', 'GFLOP/s', 'in fused calls', 'f32x4 peak', 'efficiency', 'in fused calls'],
  ];
  for (const job of ALL_JOBS) {
    const r = results[job];
    if (!r?.kernelFlops || !r.fusedUnrolls) continue;
    const peak = simdPeakFor(peaks, r.kernelThreads);
    const whole = r.kernelFlops / r.secondsPerMetaIteration / 1e9;
    const inCalls = r.kernelFlops / r.fusedSecondsPerMetaIteration / 1e9;
    gflops[`${job}-meta-iteration`] = whole;
    gflops[`${job}-in-fused-calls`] = inCalls;
    effRows.push([
      job,
      (r.kernelFlops / 1e9).toFixed(2),
      String(r.kernelThreads),
      whole.toFixed(1),
      inCalls.toFixed(1),
      peak.toFixed(1),
      (whole / peak).toFixed(3),
      (inCalls / peak).toFixed(3),
    ]);
  }
  if (effRows.length > 1) {
    console.log(`\n=== kernel GFLOP/s against the f32x4 peak (${describePeaks(peaks)})`);
    printTable(effRows);
  }

  const seconds = {};
  for (const job of ALL_JOBS) if (results[job]) seconds[`l2o-${job}`] = results[job].secondsPerMetaIteration;
  if (peer[2]) seconds['pytorch-2-threads'] = peer[2];
  if (peer[1]) seconds['pytorch-1-thread'] = peer[1];
  const ratios = {};
  if (pairRatios.length) ratios['lstm-meta-iteration-vs-pytorch'] = median(pairRatios);
  const ref = results['ref-fused'];
  if (ref?.kernelFlops && ref.fusedUnrolls)
    ratios['lstm-meta-iteration-simd-efficiency'] =
      gflops['ref-fused-meta-iteration'] / simdPeakFor(peaks, ref.kernelThreads);
  if (results['ref-fused'] && results['ref-generic'])
    ratios['lstm-meta-iteration-fused-vs-generic'] =
      results['ref-fused'].secondsPerMetaIteration / results['ref-generic'].secondsPerMetaIteration;
  if (Object.keys(seconds).length && RECORD) {
    recordBench('lstm', {
      seconds,
      ratios,
      gflops,
      peakGflops: peakGflopsRecord(peaks),
      notes:
        `s per meta-iteration of the reference workload (784-20-10 MLP, N = 15,910, 2×20 LSTM, unroll 20), backend ${BACKEND}; ` +
        `ratio: median over epochs of l2o's meta-iteration (median of the epoch's after its first) ÷ the faster PyTorch thread count run right after the epoch (${pairs.length} pairs)` +
        (ref?.kernelFlops
          ? `; ${(ref.kernelFlops / 1e9).toFixed(2)} GFLOP per meta-iteration in the kernel (tools/bench/lstm-flops.mjs) on ` +
            `${ref.kernelThreads} thread(s); efficiency = GFLOP/s of the whole meta-iteration ÷ f32x4 peak of those threads`
          : '') +
        (peerMissing ? `; PyTorch peer not run: ${peerMissing}` : ''),
    });
  }
}

// ----------------------------------------------------------------------------------------------------- child
async function child(job, bundleUrl) {
  const tf = await import('@tensorflow/tfjs');
  const { initEngine, metaTrain, disposeMap, lstmOptimizer, kernelThreadsAvailable, lstmInputSize } = await import(
    bundleUrl
  );
  await initEngine(BACKEND);
  const D = 784;
  const C = 10;

  const mlpFamily = (H) => randomMlpFamily(tf, H);
  const sizeOf = (H) => D * H + H + H * C + C;
  const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;

  const isX4 = job === 'x4-fused';
  const fused = job !== 'ref-generic';
  const H = isX4 && X4 === 'hidden' ? 80 : 20;
  const unroll = isX4 && X4 === 'unroll' ? 80 : 20;
  const horizon = isX4 && X4 === 'unroll' ? 160 : 100;
  const perEpoch = horizon / unroll;
  const base = lstmOptimizer();
  let kernelBytes = 0;
  let fusedUnrolls = 0;
  let fusedSeconds = 0; // inside the fused unroll's step / metaGradient calls
  const metaGradientEnds = []; // performance.now() at the end of every meta-iteration's metaGradient
  // Per meta-iteration (for --phases): the forward steps' durations by index, the gaps between fused calls, the
  // metaGradient call (ms).
  const phases = [];
  let current = { steps: [], gaps: [], metaGradient: 0 };
  let lastCallEnd = 0;
  // Times one fused call (`kind` 'step' or 'metaGradient'): into fusedSeconds and the iteration's phases.
  const clocked = (kind, f) => {
    const t0 = performance.now();
    if (lastCallEnd) current.gaps.push(t0 - lastCallEnd);
    try {
      return f();
    } finally {
      const t1 = performance.now();
      fusedSeconds += (t1 - t0) / 1000;
      if (kind === 'step') {
        current.steps.push(t1 - t0);
        lastCallEnd = t1;
      } else {
        current.metaGradient = t1 - t0;
        phases.push(current);
        current = { steps: [], gaps: [], metaGradient: 0 };
        lastCallEnd = 0;
      }
    }
  };
  // The same learned optimizer, with its fused hook observed (to read the kernel's memory); metaTrain drives it.
  const learned = {
    ...base,
    beginFusedUnroll(phi, state) {
      const u = base.beginFusedUnroll?.(phi, state);
      if (!u) return u;
      fusedUnrolls++;
      return {
        step: (g) => clocked('step', () => u.step(g)),
        state: () => u.state(),
        metaGradient: (g, w) => {
          const d = clocked('metaGradient', () => u.metaGradient(g, w));
          kernelBytes = Math.max(kernelBytes, u.memoryBytes ?? 0);
          metaGradientEnds.push(performance.now());
          return d;
        },
        dispose: () => u.dispose(),
      };
    },
  };
  const epochAt = [];
  const fusedAt = [];
  let validationAt0 = NaN;
  let fusedAt0 = 0;
  // The PyTorch peer after each epoch of the ref-fused job (see the header); its time is taken off the clock.
  const withPeer = job === 'ref-fused' && !args.includes('--no-peer');
  const peerPairs = [];
  let peerMissing;
  let pausedSeconds = 0;
  const runPeerPair = (epoch, l2o) => {
    const t = performance.now();
    const runs = {};
    for (const threads of [2, 1]) {
      const r = runPeer('lstm_meta_iteration.py', [PEER_REPS], threads);
      if (r.missing) {
        peerMissing = r.missing;
        console.log(r.missing);
        break;
      }
      runs[threads] = r.results[0].runs;
      console.log(
        `  peer (torch ${r.results[0].torch}) after epoch ${epoch}, ${threads} thread(s): ${runs[threads].map((x) => x.toFixed(3)).join(', ')}`,
      );
    }
    if (runs[1] && runs[2] && epoch > 1) peerPairs.push({ epoch, l2o, runs, load: loadavg().split(' ')[0] });
    pausedSeconds += (performance.now() - t) / 1000;
  };
  const t0 = performance.now();
  const result = await metaTrain({
    learned,
    family: mlpFamily(H),
    epochs: EPOCHS,
    horizon,
    unroll,
    seed: 1,
    validateEvery: EPOCHS,
    validationProblems: 1,
    fused,
    onProgress(e) {
      if (e.kind === 'validation' && e.epoch === 0) {
        validationAt0 = e.elapsedSeconds;
        fusedAt0 = fusedSeconds;
      }
      if (e.kind !== 'epoch') return;
      const at = e.elapsedSeconds - pausedSeconds;
      epochAt.push(at);
      fusedAt.push(fusedSeconds);
      const prev = epochAt.length > 1 ? epochAt[epochAt.length - 2] : validationAt0;
      const dt = at - prev;
      console.log(
        `${job} epoch ${e.epoch}${e.epoch === 1 ? ' (warm-up)' : ''}: ${dt.toFixed(2)} s = ${(dt / perEpoch).toFixed(3)} s/meta-iteration, ` +
          `${fused ? `${((fusedSeconds - (fusedAt.length > 1 ? fusedAt[fusedAt.length - 2] : fusedAt0)) / perEpoch).toFixed(3)} s of it in the fused calls, ` : ''}` +
          `meta-loss ${e.metaLoss?.toFixed(4)}, rss ${MiB(process.memoryUsage().rss)} MiB`,
      );
      // The pair's l2o side: the median of the epoch's meta-iterations after its first, timed end to end like the
      // peer's (the first one also holds the new problem's sampling and the wake-up after the peer's run).
      const ends = metaGradientEnds.slice(-perEpoch);
      const iterations = ends.slice(1).map((t, i) => (t - ends[i]) / 1000);
      if (withPeer && !peerMissing) runPeerPair(e.epoch, median(iterations));
    },
  });
  const wall = (performance.now() - t0) / 1000;
  if (PHASES && fused) printPhases(phases, metaGradientEnds, perEpoch, unroll);
  disposeMap(result.metaParams);
  disposeMap(result.lastMetaParams);
  const epochSeconds = epochAt.map((t, i) => t - (i === 0 ? validationAt0 : epochAt[i - 1]));
  const timed = epochSeconds.slice(1);
  const fusedEpochSeconds = fusedAt.map((t, i) => t - (i === 0 ? fusedAt0 : fusedAt[i - 1])).slice(1);
  // The fused unroll runs with threads 'auto': 2 where the kernel's helper threads are available.
  const kernelFlops = fused
    ? lstmMetaIterationFlops({
        rows: sizeOf(H),
        d0: lstmInputSize(base.config),
        hiddenSizes: base.config.hiddenSizes,
        unroll,
      }).total
    : 0;
  const res = {
    N: sizeOf(H),
    unroll,
    horizon,
    epochSeconds,
    secondsPerMetaIteration: median(timed) / perEpoch,
    fusedSecondsPerMetaIteration: median(fusedEpochSeconds) / perEpoch,
    kernelFlops,
    kernelThreads: kernelThreadsAvailable() ? 2 : 1,
    maxRssBytes: maxRssBytes(),
    kernelBytes,
    fusedUnrolls,
    wall,
    tensorsLeft: tf.memory().numTensors,
    load: loadavg().split(' ')[0],
    peerPairs,
    peerMissing,
  };
  console.log(
    `${job}: N = ${res.N}, unroll ${unroll}, horizon ${horizon}; ${res.secondsPerMetaIteration.toFixed(3)} s/meta-iteration ` +
      `(median of ${timed.length} epochs: ${timed.map((s) => (s / perEpoch).toFixed(3)).join(', ')}); metaTrain wall ${wall.toFixed(1)} s; ` +
      `peak RSS ${MiB(res.maxRssBytes)} MiB` +
      (fused ? `, fused unrolls ${fusedUnrolls}, kernel memory ${MiB(kernelBytes)} MiB` : '') +
      `; tensors left ${res.tensorsLeft}`,
  );
  console.log(`RESULT ${JSON.stringify(res)}`);
}

// --phases: medians over the meta-iterations after the first epoch (ms).
function printPhases(phases, ends, perEpoch, unroll) {
  const after = phases.slice(perEpoch);
  if (!after.length) return;
  const ms = (x) => x.toFixed(2);
  const byIndex = Array.from({ length: unroll }, (_, k) =>
    median(after.filter((p) => p.steps.length > k).map((p) => p.steps[k])),
  );
  const iteration = median(ends.slice(perEpoch).map((t, i) => t - ends[perEpoch + i - 1]));
  const steps = median(after.map((p) => p.steps.reduce((a, b) => a + b, 0)));
  const gaps = median(after.map((p) => p.gaps.reduce((a, b) => a + b, 0)));
  const metaGradient = median(after.map((p) => p.metaGradient));
  console.log(`phases (ms, medians over ${after.length} meta-iterations after epoch 1):`);
  console.log(`  forward step by index: ${byIndex.map(ms).join(' ')}`);
  console.log(
    `  iteration ${ms(iteration)} = forward steps ${ms(steps)} + gaps between fused calls ${ms(gaps)} ` +
      `(${after[0].gaps.length} per iteration, median ${ms(median(after.flatMap((p) => p.gaps)))}) + metaGradient ` +
      `${ms(metaGradient)} + rest ${ms(iteration - steps - gaps - metaGradient)}`,
  );
}
