// Times l2o's reference meta-training workload (DESIGN.md §4) on the tfjs path and on the fused-kernel path,
// and the PyTorch peer (/work/shared/bench or $PEER_DIR) in the same sitting, and prints project/peer ratios.
//
// Workload: MNIST-shaped 784-20-10 sigmoid MLP on fixed random data (batch 128), N = 15,910 coordinates,
// coordinatewise 2×20 LSTM (paper config: p = 10, output ×0.1), unroll 20, meta-loss = mean of f(θ_t) over the
// unroll, gradients as constants; one meta-iteration = forward unroll + meta-gradient + one Adam step on φ;
// θ and the LSTM state carried across meta-iterations (as the peer does).
//
// Usage: node tools/bench/meta-iteration.mjs [--reps 5] [--warmup 2] [--paths fused-1t,fused-2t,tfjs]
//        [--backend wasm|cpu]   (fused-1t / fused-2t: the fused kernel on 1 or 2 threads; tfjs: core's generic path)
//        [--no-peer]
// Each path runs in its own child process (clean memory figures). Bundles the sources with esbuild first, so
// no build is needed. Timings on a shared 2-core machine are noisy: medians are printed, with CPU seconds.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const REPS = Number(opt('reps', '5'));
const WARMUP = Number(opt('warmup', '2'));
const BACKEND = opt('backend', 'wasm');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

if (opt('child', undefined)) {
  await child(opt('child'), opt('bundle'));
} else {
  await parent();
}

async function parent() {
  const dir = mkdtempSync(join(root, 'node_modules', '.bench-meta-'));
  const bundle = join(dir, 'bench-entry.mjs');
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    [
      `export { initEngine, unrollMetaGradient, adam, addMaps, disposeMap, Rng } from '@l2o/core';`,
      `export { lstmOptimizer } from '@l2o/optimizer-lstm';`,
      `export { beginFusedLstmUnroll } from ${JSON.stringify(join(root, 'packages/optimizer-lstm/src/fused/fused-unroll.ts'))};`,
    ].join('\n'),
  );
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@l2o/source'],
    external: ['@tensorflow/*'],
    outfile: bundle,
    logLevel: 'error',
    absWorkingDir: root,
  });
  const paths = (opt('paths', 'fused-1t,fused-2t,tfjs') || '').split(',').filter(Boolean);
  const results = {};
  try {
    for (const p of paths) {
      console.log(`--- ${p} path (${BACKEND}), ${WARMUP} warm-up + ${REPS} timed meta-iterations`);
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), ...args, '--child', p, '--bundle', bundle], {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      process.stdout.write(r.stdout.split('\n').filter((l) => !l.startsWith('RESULT ')).join('\n'));
      const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (r.status !== 0 || !line) {
        console.log(`${p}: failed (exit ${r.status})`);
        continue;
      }
      results[p] = JSON.parse(line.slice(7));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The peer as published (2 threads) and on 1 thread (a like-for-like figure for the 1-thread paths; on a
  // machine shared with other jobs, 2-thread PyTorch degrades badly, so both are printed).
  const peer = {};
  const peerDir = process.env.PEER_DIR ?? '/work/shared/bench';
  if (!args.includes('--no-peer') && existsSync(join(peerDir, 'run-peer.sh'))) {
    for (const threads of [2, 1]) {
      console.log(`--- PyTorch peer, ${threads} thread(s): PEER_THREADS=${threads} bash ${join(peerDir, 'run-peer.sh')} ${REPS}`);
      const r = spawnSync('bash', [join(peerDir, 'run-peer.sh'), String(REPS)], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        env: { ...process.env, PEER_THREADS: String(threads) },
      });
      process.stdout.write(r.stdout);
      if (r.status !== 0) process.stdout.write(r.stderr);
      const m = /peer_s_per_meta_iteration\s+([0-9.]+)/.exec(r.stdout);
      if (m) peer[threads] = Number(m[1]);
    }
  }

  console.log('\n=== summary (median over timed meta-iterations; load average ' + (await loadavg()) + ')');
  const rows = [
    ['path', 's/meta-iter', 'cpu s/iter', 'fwd ms/step (cpu)', 'f+b ms/unroll (cpu)', 'rss peak MiB', '/ peer 2t', '/ peer 1t'],
  ];
  for (const [p, r] of Object.entries(results)) {
    rows.push([
      p,
      r.seconds.toFixed(3),
      r.cpuSeconds.toFixed(3),
      `${r.optimizerForwardMsPerStep.toFixed(1)} (${r.cpuForwardMsPerStep.toFixed(1)})`,
      `${r.optimizerUnrollMs.toFixed(0)} (${r.cpuUnrollMs.toFixed(0)})`,
      (r.rssPeak / 2 ** 20).toFixed(0),
      peer[2] ? (r.seconds / peer[2]).toFixed(2) : '—',
      peer[1] ? (r.seconds / peer[1]).toFixed(2) : '—',
    ]);
  }
  for (const t of [2, 1]) if (peer[t]) rows.push([`pytorch peer ${t}t`, peer[t].toFixed(3), '', '', '', '', '', '']);
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(r.map((c, i) => String(c).padStart(w[i])).join('  '));
}

async function loadavg() {
  const os = await import('node:os');
  return os.loadavg().map((x) => x.toFixed(1)).join(' ');
}

async function child(path, bundle) {
  const tf = await import('@tensorflow/tfjs');
  const l2o = await import(pathToFileURL(bundle).href);
  const { initEngine, unrollMetaGradient, adam, addMaps, disposeMap, Rng, lstmOptimizer, beginFusedLstmUnroll } = l2o;
  await initEngine(BACKEND);
  const D = 784, H = 20, C = 10, B = 128, T = 20;
  const rng = Rng.seeded(0);
  const X = tf.tensor2d(rng.normalArray(B * D), [B, D]);
  const Y = tf.oneHot(tf.tensor1d(Array.from({ length: B }, () => rng.int(C)), 'int32'), C);
  const shapes = { b1: [H], b2: [C], w1: [D, H], w2: [H, C] };
  const keys = Object.keys(shapes).sort();
  const loss = (p) =>
    tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(tf.sigmoid(tf.add(tf.matMul(X, p.w1), p.b1)), p.w2), p.b2));
  const lossAndGrads = (theta) =>
    tf.tidy(() => {
      const { value, grads } = tf.valueAndGrads((...vs) => loss(Object.fromEntries(keys.map((k, i) => [k, vs[i]]))))(
        keys.map((k) => theta[k]),
      );
      return { loss: value, grads: Object.fromEntries(keys.map((k, i) => [k, grads[i]])) };
    });

  const learned = lstmOptimizer({});
  let phi = learned.initMetaParams(rng.fork());
  const metaOpt = adam({ learningRate: 1e-3 });
  let metaState = metaOpt.init(phi);
  let theta = Object.fromEntries(
    keys.map((k) => [k, tf.tensor(rng.normalArray(shapes[k].reduce((a, b) => a * b, 1)).map((v) => 0.1 * v), shapes[k])]),
  );
  const N = keys.reduce((s, k) => s + theta[k].size, 0);
  let state = learned.withMetaParams(phi).init(theta);
  const weights = new Array(T).fill(1 / T);
  let rssPeak = 0;
  let kernelBytes = 0;
  let tfWasmBytes = 0;
  const sample = () => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    const b = tf.backend();
    if (b.wasm?.HEAPU8) tfWasmBytes = Math.max(tfWasmBytes, b.wasm.HEAPU8.buffer.byteLength);
  };

  const metaIteration = () => {
    const times = { optimizerForward: 0, optimizee: 0, metaGradient: 0, adam: 0 };
    const cpuTimes = { optimizerForward: 0, optimizee: 0, metaGradient: 0, adam: 0 };
    const cpuNow = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    let t = performance.now();
    let c = cpuNow();
    const lap = (key) => {
      const now = performance.now();
      const cn = cpuNow();
      times[key] += now - t;
      cpuTimes[key] += cn - c;
      t = now;
      c = cn;
    };
    const first = lossAndGrads(theta);
    first.loss.dispose();
    const seq = [first.grads];
    const thetaStart = theta;
    const stateStart = state;
    lap('optimizee');
    let metaGrad;
    if (path.startsWith('fused')) {
      const fu = beginFusedLstmUnroll(learned.config, phi, stateStart, { threads: path === 'fused-2t' ? 2 : 1 });
      for (let k = 0; k < T; k++) {
        const u = fu.step(seq[k]);
        const next = tf.tidy(() => addMaps(theta, u));
        disposeMap(u);
        if (theta !== thetaStart) disposeMap(theta);
        theta = next;
        lap('optimizerForward');
        const lg = lossAndGrads(theta);
        lg.loss.dispose();
        seq.push(lg.grads);
        lap('optimizee');
      }
      state = fu.state();
      lap('optimizerForward');
      metaGrad = fu.metaGradient(seq, weights);
      kernelBytes = fu.memoryBytes;
      fu.dispose();
      lap('metaGradient');
    } else {
      const o = learned.withMetaParams(phi);
      for (let k = 0; k < T; k++) {
        const s = tf.tidy(() => {
          const r = o.update(seq[k], state, theta);
          return { theta: addMaps(theta, r.updates), state: r.state };
        });
        if (theta !== thetaStart) disposeMap(theta);
        if (state !== stateStart) tf.dispose(state);
        theta = s.theta;
        state = s.state;
        lap('optimizerForward');
        const lg = lossAndGrads(theta);
        lg.loss.dispose();
        seq.push(lg.grads);
        lap('optimizee');
      }
      metaGrad = unrollMetaGradient(learned, phi, thetaStart, stateStart, seq, weights);
      sample();
      lap('metaGradient');
    }
    const ms = tf.tidy(() => metaOpt.update(metaGrad, metaState, phi));
    const nextPhi = tf.tidy(() => addMaps(phi, ms.updates));
    disposeMap(ms.updates);
    disposeMap(phi);
    const keep = new Set([ms.state.m, ms.state.v].flatMap((m) => Object.values(m)).map((x) => x.id));
    for (const x of [metaState.m, metaState.v].flatMap((m) => Object.values(m))) if (!keep.has(x.id)) x.dispose();
    phi = nextPhi;
    metaState = ms.state;
    disposeMap(metaGrad);
    disposeMap(thetaStart);
    tf.dispose(stateStart);
    for (let k = 0; k < T; k++) disposeMap(seq[k]);
    disposeMap(seq[T]);
    sample();
    lap('adam');
    return { times, cpuTimes };
  };

  const rows = [];
  for (let i = 0; i < WARMUP + REPS; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { times, cpuTimes } = metaIteration();
    const wall = (performance.now() - t0) / 1000;
    const cu = process.cpuUsage(c0);
    const cpu = (cu.user + cu.system) / 1e6;
    if (i >= WARMUP) rows.push({ wall, cpu, ...times, cpuFwd: cpuTimes.optimizerForward, cpuMeta: cpuTimes.metaGradient, cpuOptimizee: cpuTimes.optimizee });
    console.log(
      `${path} ${i < WARMUP ? 'warm-up' : 'rep'} ${i}: ${wall.toFixed(3)} s (cpu ${cpu.toFixed(3)} s) — optimizer forward ` +
        `${times.optimizerForward.toFixed(0)} ms, optimizee ${times.optimizee.toFixed(0)} ms, meta-gradient ` +
        `${times.metaGradient.toFixed(0)} ms, adam ${times.adam.toFixed(0)} ms (cpu: forward ${cpuTimes.optimizerForward.toFixed(0)}, ` +
        `optimizee ${cpuTimes.optimizee.toFixed(0)}, meta-gradient ${cpuTimes.metaGradient.toFixed(0)} ms); tensors ${tf.memory().numTensors}`,
    );
  }
  const mu = process.memoryUsage();
  console.log(
    `${path}: N = ${N}; peak rss ${(rssPeak / 2 ** 20).toFixed(0)} MiB, heap used ${(mu.heapUsed / 2 ** 20).toFixed(0)} MiB, ` +
      `tfjs wasm memory ${(tfWasmBytes / 2 ** 20).toFixed(0)} MiB` +
      (path.startsWith('fused') ? `, fused kernel memory ${(kernelBytes / 2 ** 20).toFixed(0)} MiB` : ''),
  );
  const res = {
    seconds: median(rows.map((r) => r.wall)),
    cpuSeconds: median(rows.map((r) => r.cpu)),
    optimizerForwardMsPerStep: median(rows.map((r) => r.optimizerForward)) / T,
    optimizerUnrollMs: median(rows.map((r) => r.optimizerForward + r.metaGradient)),
    cpuForwardMsPerStep: median(rows.map((r) => r.cpuFwd)) / T,
    cpuUnrollMs: median(rows.map((r) => r.cpuFwd + r.cpuMeta)),
    optimizeeMs: median(rows.map((r) => r.optimizee)),
    rssPeak,
    tfWasmBytes,
    kernelBytes,
  };
  console.log('RESULT ' + JSON.stringify(res));
}
