// Benchmark of the "Fast meta-training" target (DESIGN.md §3–4): l2o's reference meta-training workload timed
// through the project's public meta-trainer (`metaTrain` from '@l2o/core'), the PyTorch peer
// (/work/shared/bench/run-peer.sh, or $PEER_DIR) in the same sitting, and project/peer ratios.
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
//   inference    s per optimizer step (lossAndGrad + update + θ ← θ + u) of a freshly initialised LSTM optimizer
//                through optimizerForEvaluation(learned, φ) vs core's adam, on the 784-20-10 MLP
//
// Usage: node tools/bench/meta-iteration.mjs [--epochs 4] [--jobs ref-fused,ref-generic,x4-fused,inference]
//        [--x4 hidden|unroll] [--steps 40] [--backend wasm|cpu] [--peer-reps 5] [--no-peer]
// Bundles the packages' sources with esbuild (the '@l2o/source' condition), so no build is needed and no stale
// dist is measured. The machine may be shared: medians are noisy; the load average is printed with the results.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const EPOCHS = Number(opt('epochs', '4'));
const BACKEND = opt('backend', 'wasm');
const X4 = opt('x4', 'hidden');
const STEPS = Number(opt('steps', '40'));
const PEER_REPS = Number(opt('peer-reps', '5'));
const ALL_JOBS = ['ref-fused', 'ref-generic', 'x4-fused', 'inference'];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const MiB = (bytes) => (bytes / 2 ** 20).toFixed(0);
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).join(' ');

if (!Number.isInteger(EPOCHS) || EPOCHS < 2)
  throw new Error(`--epochs: must be an integer ≥ 2 (epoch 1 is warm-up), got ${EPOCHS}`);
if (X4 !== 'hidden' && X4 !== 'unroll') throw new Error(`--x4: allowed values hidden, unroll; got ${X4}`);
if (!['wasm', 'cpu'].includes(BACKEND)) throw new Error(`--backend: allowed values wasm, cpu; got ${BACKEND}`);

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
  const dir = mkdtempSync(join(root, 'node_modules', '.bench-meta-'));
  const bundle = join(dir, 'bench-entry.mjs');
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    [
      `export { initEngine, metaTrain, optimizerForEvaluation, lossAndGrad, adam, addMaps, disposeMap, Rng } from '@l2o/core';`,
      `export { lstmOptimizer } from '@l2o/optimizer-lstm';`,
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
  console.log(
    `l2o meta-training benchmark — backend ${BACKEND}, ${EPOCHS} epochs per metaTrain job (epoch 1 = warm-up), load average ${loadavg()}`,
  );
  const results = {};
  try {
    for (const job of jobs) {
      console.log(`\n--- ${job}`);
      const r = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), ...args, '--child', job, '--bundle', bundle],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
          encoding: 'utf8',
          maxBuffer: 1 << 24,
        },
      );
      const lines = r.stdout.split('\n');
      process.stdout.write(lines.filter((l) => !l.startsWith('RESULT ')).join('\n'));
      const line = lines.find((l) => l.startsWith('RESULT '));
      if (r.status !== 0 || !line) {
        console.log(`${job}: failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''})`);
        continue;
      }
      results[job] = JSON.parse(line.slice(7));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The peer as published (2 threads) and on 1 thread. On a machine shared with other jobs 2-thread PyTorch
  // degrades badly, so both are printed.
  const peer = {};
  const peerDir = process.env.PEER_DIR ?? '/work/shared/bench';
  if (!args.includes('--no-peer') && existsSync(join(peerDir, 'run-peer.sh'))) {
    for (const threads of [2, 1]) {
      console.log(`\n--- PyTorch peer: PEER_THREADS=${threads} bash ${join(peerDir, 'run-peer.sh')} ${PEER_REPS}`);
      const r = spawnSync('bash', [join(peerDir, 'run-peer.sh'), String(PEER_REPS)], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        env: { ...process.env, PEER_THREADS: String(threads) },
      });
      process.stdout.write(r.stdout);
      if (r.status !== 0) process.stdout.write(r.stderr);
      const m = /peer_s_per_meta_iteration\s+([0-9.]+)/.exec(r.stdout);
      if (m) peer[threads] = Number(m[1]);
      peer[`load${threads}`] = loadavg().split(' ')[0];
    }
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
  for (const job of ['ref-fused', 'ref-generic', 'x4-fused']) {
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
  for (const t of [2, 1]) {
    if (peer[t])
      rows.push([
        `pytorch peer ${t}t`,
        'reference',
        '15910',
        '20',
        peer[t].toFixed(3),
        `${PEER_REPS} reps`,
        '',
        '',
        '',
        '',
        peer[`load${t}`],
      ]);
  }
  printTable(rows);
  const inf = results.inference;
  if (inf) {
    console.log(
      `\n=== inference: one optimizer step on the 784-20-10 MLP (lossAndGrad + update + θ ← θ + u), median of ${STEPS} steps`,
    );
    printTable([
      ['optimizer', 'ms/step', 'ms update only', 'step / adam', 'update / adam'],
      [
        inf.lstm.name,
        (inf.lstm.step * 1e3).toFixed(2),
        (inf.lstm.update * 1e3).toFixed(2),
        (inf.lstm.step / inf.adam.step).toFixed(2),
        (inf.lstm.update / inf.adam.update).toFixed(2),
      ],
      [inf.adam.name, (inf.adam.step * 1e3).toFixed(2), (inf.adam.update * 1e3).toFixed(2), '1.00', '1.00'],
    ]);
    console.log(
      `inference peak RSS ${MiB(inf.maxRssBytes)} MiB; LSTM inference path: ${inf.fastPath ? 'inferenceOptimizer (fused kernel)' : 'withMetaParams (tfjs ops)'}`,
    );
  }
}

function printTable(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  '));
    if (n === 0) console.log(w.map((x) => '-'.repeat(x)).join('  '));
  }
}

// ----------------------------------------------------------------------------------------------------- child
async function child(job, bundle) {
  const tf = await import('@tensorflow/tfjs');
  const l2o = await import(pathToFileURL(bundle).href);
  const { initEngine, metaTrain, optimizerForEvaluation, lossAndGrad, adam, addMaps, disposeMap, Rng, lstmOptimizer } =
    l2o;
  await initEngine(BACKEND);
  const D = 784,
    C = 10,
    B = 128;

  /** MNIST-shaped D-H-C sigmoid MLP on one fixed random batch (x ~ N(0,1), uniform labels), θ₀ ~ N(0, 0.1²). */
  const mlpFamily = (H) => ({
    name: `bench-mlp-${D}-${H}-${C}-random-b${B}`,
    sample(rng) {
      const X = tf.tensor2d(rng.normalArray(B * D), [B, D]);
      const Y = tf.tidy(() =>
        tf.oneHot(
          tf.tensor1d(
            Array.from({ length: B }, () => rng.int(C)),
            'int32',
          ),
          C,
        ),
      );
      const shapes = { w1: [D, H], b1: [H], w2: [H, C], b2: [C] };
      return {
        name: `bench-mlp-${D}-${H}-${C}`,
        init(r) {
          const out = {};
          for (const [k, s] of Object.entries(shapes)) {
            const n = s.reduce((a, b) => a * b, 1);
            out[k] = tf.tensor(
              Float32Array.from(r.normalArray(n), (v) => 0.1 * v),
              s,
            );
          }
          return out;
        },
        sampleBatch() {
          return null; // fixed data, as the peer: the batch lives in the problem
        },
        loss(p) {
          return tf.tidy(() =>
            tf.losses.softmaxCrossEntropy(
              Y,
              tf.add(tf.matMul(tf.sigmoid(tf.add(tf.matMul(X, p.w1), p.b1)), p.w2), p.b2),
            ),
          );
        },
        dispose() {
          X.dispose();
          Y.dispose();
        },
      };
    },
  });
  const sizeOf = (H) => D * H + H + H * C + C;
  const maxRssBytes = () => process.resourceUsage().maxRSS * 1024;

  if (job === 'inference') {
    const family = mlpFamily(20);
    const learned = lstmOptimizer();
    const phi = learned.initMetaParams(Rng.seeded(7));
    const lstm = optimizerForEvaluation(learned, phi);
    const fastPath = typeof learned.inferenceOptimizer === 'function';
    const res = { maxRssBytes: 0, fastPath };
    for (const [key, o] of [
      ['adam', adam({ learningRate: 1e-3 })],
      ['lstm', lstm],
      ['adam', adam({ learningRate: 1e-3 })], // adam again, after the LSTM: the better of the two is kept
    ]) {
      const task = family.sample(Rng.seeded(1));
      let theta = task.init(Rng.seeded(2));
      let state = o.init(theta);
      const steps = [],
        updates = [];
      const WARM = 5;
      const n0 = tf.memory().numTensors;
      for (let i = 0; i < WARM + STEPS; i++) {
        const t0 = performance.now();
        const { loss, grads } = lossAndGrad(task, theta, null);
        loss.dispose();
        const t1 = performance.now();
        const s = o.update(grads, state, theta);
        const next = tf.tidy(() => addMaps(theta, s.updates));
        const t2 = performance.now();
        disposeMap(grads);
        disposeMap(s.updates);
        disposeMap(theta);
        const keep = new Set(tensorsIn(tf, s.state).map((t) => t.id)); // kernels may pass state through
        for (const t of tensorsIn(tf, state)) if (!keep.has(t.id)) t.dispose();
        theta = next;
        state = s.state;
        if (i >= WARM) {
          steps.push((t2 - t0) / 1000);
          updates.push((t2 - t1) / 1000);
        }
      }
      const leaked = tf.memory().numTensors - n0;
      disposeMap(theta);
      tf.dispose(state);
      task.dispose();
      const r = { name: o.name, step: median(steps), update: median(updates) };
      console.log(
        `${o.name}: ${(r.step * 1e3).toFixed(2)} ms/step, update ${(r.update * 1e3).toFixed(2)} ms (tensor leak ${leaked})`,
      );
      if (!res[key] || r.step < res[key].step) res[key] = r;
    }
    disposeMap(phi);
    res.maxRssBytes = maxRssBytes();
    console.log(`RESULT ${JSON.stringify(res)}`);
    return;
  }

  const isX4 = job === 'x4-fused';
  const fused = job !== 'ref-generic';
  const H = isX4 && X4 === 'hidden' ? 80 : 20;
  const unroll = isX4 && X4 === 'unroll' ? 80 : 20;
  const horizon = isX4 && X4 === 'unroll' ? 160 : 100;
  const perEpoch = horizon / unroll;
  const base = lstmOptimizer();
  let kernelBytes = 0;
  let fusedUnrolls = 0;
  // The same learned optimizer, with its fused hook observed (to read the kernel's memory); metaTrain drives it.
  const learned = {
    ...base,
    beginFusedUnroll(phi, state) {
      const u = base.beginFusedUnroll?.(phi, state);
      if (!u) return u;
      fusedUnrolls++;
      return {
        step: (g) => u.step(g),
        state: () => u.state(),
        metaGradient: (g, w) => {
          const d = u.metaGradient(g, w);
          kernelBytes = Math.max(kernelBytes, u.memoryBytes ?? 0);
          return d;
        },
        dispose: () => u.dispose(),
      };
    },
  };
  const epochAt = [];
  let validationAt0 = NaN;
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
      if (e.kind === 'validation' && e.epoch === 0) validationAt0 = e.elapsedSeconds;
      if (e.kind !== 'epoch') return;
      epochAt.push(e.elapsedSeconds);
      const prev = epochAt.length > 1 ? epochAt[epochAt.length - 2] : validationAt0;
      const dt = e.elapsedSeconds - prev;
      console.log(
        `${job} epoch ${e.epoch}${e.epoch === 1 ? ' (warm-up)' : ''}: ${dt.toFixed(2)} s = ${(dt / perEpoch).toFixed(3)} s/meta-iteration, ` +
          `meta-loss ${e.metaLoss?.toFixed(4)}, rss ${MiB(process.memoryUsage().rss)} MiB`,
      );
    },
  });
  const wall = (performance.now() - t0) / 1000;
  disposeMap(result.metaParams);
  disposeMap(result.lastMetaParams);
  const epochSeconds = epochAt.map((t, i) => t - (i === 0 ? validationAt0 : epochAt[i - 1]));
  const timed = epochSeconds.slice(1);
  const res = {
    N: sizeOf(H),
    unroll,
    horizon,
    epochSeconds,
    secondsPerMetaIteration: median(timed) / perEpoch,
    maxRssBytes: maxRssBytes(),
    kernelBytes,
    fusedUnrolls,
    wall,
    tensorsLeft: tf.memory().numTensors,
    load: loadavg().split(' ')[0],
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

function tensorsIn(tf, c, out = []) {
  if (c instanceof tf.Tensor) out.push(c);
  else if (Array.isArray(c)) for (const x of c) tensorsIn(tf, x, out);
  else if (c !== null && typeof c === 'object') for (const x of Object.values(c)) tensorsIn(tf, x, out);
  return out;
}
