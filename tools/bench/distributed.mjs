// Benchmark of distributed meta-training (@l2o/distributed, docs/distributed.md): meta-steps per second of the same
// run in-process and with 1, 2 and 4 worker processes on one Redis, bytes per job and per result, φ bytes per
// version, the learner's Redis overhead per meta-step (publish + collect) and a Redis round trip, plus the ratio of
// each distributed rate to the in-process rate measured in the same sitting.
//
// Workload: the paper's quadratic (10-d, 128 functions per problem, Gaussian), the paper's 2×20 LSTM optimizer,
// unroll 20, horizon 100, --tasks tasks per meta-step (default 4), BPTT through the fused kernel. Timed: --steps
// meta-steps (default 10) after one warm-up meta-step; validation is outside the timed span. Also 2 worker threads
// (threadExecutor, no Redis).
//
// Usage: node tools/bench/distributed.mjs [--workers 1,2,4] [--tasks 4] [--steps 10] [--functions 128]
// Needs the packages built (npm run build) and Debian's redis-server (a throw-away one is started on loopback).
// The machine may be shared: the load average is printed with the results.
import { spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { disposeMap, initEngine, metaTrain } from '@l2o/core';
import { bullmqExecutor, packContainer, serveJobs, threadExecutor, unpackContainer } from '@l2o/distributed';
import { isMainThread } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { startRedisServer } from '@l2o/distributed/testing';
import { lstmOptimizer } from '@l2o/optimizer-lstm';
import { quadraticFamily } from '@l2o/optimizee-quadratic';
import { Redis } from 'ioredis';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const TASK = { functions: Number(opt('functions', '128')), dim: 10 };
const TASKS = Number(opt('tasks', '4'));
const STEPS = Number(opt('steps', '10'));
const WORKERS = opt('workers', '1,2,4').split(',').map(Number);

export const resolveRun = (t) => ({
  learned: lstmOptimizer(),
  family: quadraticFamily({ dim: t.dim, functions: t.functions }),
});

if (!isMainThread) {
  // imported by a threadExecutor thread for resolveRun: nothing to run
} else if (args[0] === '--serve') {
  // A worker process: node distributed.mjs --serve URL
  await initEngine('wasm');
  const server = await serveJobs({ connection: args[1], resolveRun, log: () => undefined });
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  await server.done;
} else {
  await main();
}

/** Seconds per meta-step over the timed meta-steps (after one warm-up), and the executor's stats. */
async function timedRun(executor) {
  const { learned, family } = resolveRun(TASK);
  const stamps = [];
  const run = await metaTrain({
    learned,
    family,
    seed: 1,
    epochs: 1,
    metaStepsPerEpoch: STEPS + 1,
    horizon: 100,
    unroll: 20,
    tasksPerStep: TASKS,
    validationProblems: 1,
    validationHorizon: 1,
    ...(executor ? { executor } : {}),
    onProgress: (e) => {
      if (e.kind === 'step') stamps.push(performance.now());
    },
  });
  disposeMap(run.metaParams);
  disposeMap(run.lastMetaParams);
  return (stamps[stamps.length - 1] - stamps[0]) / 1000 / (stamps.length - 1);
}

async function main() {
  await initEngine('wasm');
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const rows = [];
  process.stderr.write(`load before: ${load()} (${cpus().length} cores)\n`);
  const local = await timedRun(undefined);
  rows.push({ mode: 'in-process', secondsPerStep: local, load: load() });
  process.stderr.write(`in-process: ${local.toFixed(3)} s per meta-step\n`);
  for (const threads of [2]) {
    const executor = threadExecutor({ threads, module: fileURLToPath(import.meta.url), task: TASK });
    const s = await timedRun(executor);
    executor.dispose();
    rows.push({ mode: `${threads} threads (no Redis)`, secondsPerStep: s, load: load() });
    process.stderr.write(`${threads} threads: ${s.toFixed(3)} s per meta-step\n`);
  }
  const redis = await startRedisServer();
  const probe = new Redis(redis.url);
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) await probe.ping();
  const rttMs = (performance.now() - t0) / 200;
  probe.disconnect();
  let sizes;
  for (const n of WORKERS) {
    const procs = [];
    for (let i = 0; i < n; i++) {
      const p = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve', redis.url], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise((resolve) => p.stdout.once('data', resolve));
      procs.push(p);
    }
    const executor = bullmqExecutor({ connection: redis.url, runId: `bench-${n}`, task: TASK, pollMs: 500 });
    const s = await timedRun(executor);
    const st = executor.stats;
    await executor.close();
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => p.once('exit', r))));
    sizes = {
      jobBytes: Math.round(st.jobBytes / st.jobs),
      resultBytes: Math.round(st.resultBytes / st.jobs),
      phiBytes: Math.round(st.phiBytes / st.metaSteps),
    };
    rows.push({
      mode: `${n} worker${n > 1 ? 's' : ''}`,
      secondsPerStep: s,
      overheadMs: ((st.publishSeconds + st.collectSeconds) / st.metaSteps) * 1000,
      publishMs: (st.publishSeconds / st.metaSteps) * 1000,
      collectMs: (st.collectSeconds / st.metaSteps) * 1000,
      load: load(),
    });
    process.stderr.write(`${n} workers: ${s.toFixed(3)} s per meta-step\n`);
  }
  await redis.stop();
  // Serialization alone, in this process: a container of the measured job (slot) and result sizes packed into a
  // CRC-checked frame and back to tensors; median of 21. Each job pays both on the learner and on a worker.
  const codecMs = (bytes) => {
    const x = { t: tf.randomNormal([Math.round(bytes / 4 / 80), 80]) };
    const times = [];
    for (let i = 0; i < 21; i++) {
      const t = performance.now();
      const { value } = unpackContainer(packContainer({ kind: 'bench' }, x));
      tf.dispose(value);
      times.push(performance.now() - t);
    }
    x.t.dispose();
    return times.sort((a, b) => a - b)[10];
  };
  const codecJob = codecMs(sizes.jobBytes);
  const codecResult = codecMs(sizes.resultBytes);
  const lines = [
    `workload: quadratic ${TASK.dim}-d × ${TASK.functions} functions, 2×20 LSTM, unroll 20, ${TASKS} tasks per meta-step, ${STEPS} timed meta-steps; wasm; ${cpus().length} cores`,
    '',
    '| mode | s per meta-step | meta-steps/s | × in-process | learner Redis overhead per meta-step, ms (publish + collect) | load (1/5/15 min) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.mode} | ${r.secondsPerStep.toFixed(3)} | ${(1 / r.secondsPerStep).toFixed(2)} | ${(local / r.secondsPerStep).toFixed(2)} | ${r.overheadMs === undefined ? '—' : `${r.overheadMs.toFixed(0)} (${r.publishMs.toFixed(0)} + ${r.collectMs.toFixed(0)})`} | ${r.load} |`,
    ),
    '',
    `bytes per job ${sizes.jobBytes}, per result ${sizes.resultBytes}, φ per version ${sizes.phiBytes}; Redis PING round trip ${rttMs.toFixed(3)} ms`,
    `pack + unpack (CRC-checked frame ↔ tensors): ${codecJob.toFixed(1)} ms for a job's slot, ${codecResult.toFixed(1)} ms for a result (load ${load()})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
}
