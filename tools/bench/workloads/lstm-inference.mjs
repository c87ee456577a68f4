// Bench workload `lstm-inference` (Node: helper threads registered, as the package's node entry does): one optimizer step (lossAndGrad + update + θ ← θ + u) of a freshly initialised
// LSTM optimizer (through optimizerForEvaluation) against core's Adam, on the 784-20-10 MLP of the `lstm`
// workload (N = 15,910). Records section `lstm-inference` with ratio `lstm-inference-update-vs-adam`
// (the update alone) and `lstm-inference-step-vs-adam` (the whole step), and the update's GFLOP/s (kernel flops
// of tools/bench/lstm-flops.mjs over the measured update) against this CPU's f32x4 peak (tools/bench/simd-peak.mjs,
// measured first, for the threads the update runs on): ratio `lstm-inference-simd-efficiency`.
// Steps 1–20 of each optimizer are warm-up, not timed: V8 first runs the kernels' WebAssembly on its baseline
// compiler and tiers up while they run (the LSTM's update takes ≈ 10 ms over its first dozen steps and ≈ 5.5 ms from
// then on, on this machine); a user's training runs thousands of steps at the steady cost.
// Usage: node tools/bench/workloads/lstm-inference.mjs [--steps 60] [--warm-up 20] [--backend wasm|cpu]
import { recordBench } from '../record-bench.mjs';
import { bundleSources, loadavg, median, option, printTable, randomMlpFamily, tensorsIn } from '../lib.mjs';
import { lstmInferenceUpdateFlops } from '../lstm-flops.mjs';
import { describePeaks, measurePeaks, peakGflopsRecord, simdPeakFor } from '../simd-peak.mjs';

const args = process.argv.slice(2);
const STEPS = Number(option(args, 'steps', '60'));
const WARM = Number(option(args, 'warm-up', '20'));
const BACKEND = option(args, 'backend', 'wasm');
if (!Number.isInteger(STEPS) || STEPS < 1) throw new Error(`--steps: must be a positive integer, got ${STEPS}`);
if (!Number.isInteger(WARM) || WARM < 0) throw new Error(`--warm-up: must be an integer ≥ 0, got ${WARM}`);
if (!['wasm', 'cpu'].includes(BACKEND)) throw new Error(`--backend: allowed values wasm, cpu; got ${BACKEND}`);

const bundle = await bundleSources(
  [
    `export { initEngine, optimizerForEvaluation, lossAndGrad, adam, disposeMap, Rng } from '@l2o/core';`,
    `export { addMaps } from '@l2o/core/extend';`,
    `export { lstmOptimizer } from '@l2o/optimizer-lstm';`,
    `export { registerNodeKernelThreads } from '@l2o/optimizer-lstm/node';`,
    `export { kernelThreadsAvailable, lstmInputSize } from '@l2o/optimizer-lstm/extend';`,
  ],
  'bench-lstm-inference',
);
const tf = await import('@tensorflow/tfjs');
const {
  initEngine,
  optimizerForEvaluation,
  lossAndGrad,
  adam,
  addMaps,
  disposeMap,
  Rng,
  lstmOptimizer,
  registerNodeKernelThreads,
  kernelThreadsAvailable,
  lstmInputSize,
} = await import(bundle.url);
// What a Node user gets: the package's node entry registers the helper threads of the 2-thread kernels, and the
// inference kernel splits updates of ≥ 4,096 coordinates over two threads.
registerNodeKernelThreads();
bundle.cleanup();
await initEngine(BACKEND);
console.log(
  `lstm-inference — backend ${BACKEND}, median of ${STEPS} steps after ${WARM} warm-up steps, load average ${loadavg()}`,
);
const peaks = await measurePeaks({ seconds: 2, threads: 2 });
console.log(`${describePeaks(peaks)}; load average ${loadavg()}`);

const family = randomMlpFamily(tf, 20);
const learned = lstmOptimizer();
const phi = learned.initMetaParams(Rng.seeded(7));
const fastPath = typeof learned.inferenceOptimizer === 'function';
const res = {};
for (const [key, o] of [
  ['adam', adam({ learningRate: 1e-3 })],
  ['lstm', optimizerForEvaluation(learned, phi)],
  ['adam', adam({ learningRate: 1e-3 })], // adam again, after the LSTM: the better of the two is kept
]) {
  const task = family.sample(Rng.seeded(1));
  let theta = task.init(Rng.seeded(2));
  const n = Object.values(theta).reduce((sum, t) => sum + t.size, 0);
  let state = o.init(theta);
  const steps = [];
  const updates = [];
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
  const r = { name: o.name, step: median(steps), update: median(updates), n };
  console.log(
    `${o.name}: ${(r.step * 1e3).toFixed(2)} ms/step, update ${(r.update * 1e3).toFixed(2)} ms (tensor leak ${leaked})`,
  );
  if (!res[key] || r.step < res[key].step) res[key] = r;
}
disposeMap(phi);
printTable([
  ['optimizer', 'ms/step', 'ms update only', 'step / adam', 'update / adam'],
  [
    res.lstm.name,
    (res.lstm.step * 1e3).toFixed(2),
    (res.lstm.update * 1e3).toFixed(2),
    (res.lstm.step / res.adam.step).toFixed(2),
    (res.lstm.update / res.adam.update).toFixed(2),
  ],
  [res.adam.name, (res.adam.step * 1e3).toFixed(2), (res.adam.update * 1e3).toFixed(2), '1.00', '1.00'],
]);
// The update's arithmetic: the fused kernel's forward step over all coordinates (tools/bench/lstm-flops.mjs), on
// 2 threads where the package's 'auto' rule splits it (helper threads registered, ≥ 4,096 coordinates:
// AUTO_TWO_THREAD_ROWS of fused-inference.ts). Achieved = flops / the measured update (kernel and the JS around
// it: gradient read-out, preprocessing, output tensors, θ + u).
const config = learned.config;
const flops = lstmInferenceUpdateFlops({
  rows: res.lstm.n,
  d0: lstmInputSize(config),
  hiddenSizes: config.hiddenSizes,
});
const kernelThreads = kernelThreadsAvailable() && res.lstm.n >= 4096 ? 2 : 1;
const achieved = flops.total / res.lstm.update / 1e9;
const peak = simdPeakFor(peaks, kernelThreads);
if (fastPath)
  console.log(
    `update: ${(flops.total / 1e6).toFixed(1)} MFLOP (${(flops.matmul / 1e6).toFixed(1)} in the matrix products) in ` +
      `${(res.lstm.update * 1e3).toFixed(2)} ms = ${achieved.toFixed(1)} GFLOP/s on ${kernelThreads} thread(s); f32x4 peak ` +
      `${peak.toFixed(1)} GFLOP/s → efficiency ${(achieved / peak).toFixed(3)}`,
  );
recordBench('lstm-inference', {
  seconds: {
    'lstm-step': res.lstm.step,
    'lstm-update': res.lstm.update,
    'adam-step': res.adam.step,
    'adam-update': res.adam.update,
  },
  ratios: {
    'lstm-inference-update-vs-adam': res.lstm.update / res.adam.update,
    'lstm-inference-step-vs-adam': res.lstm.step / res.adam.step,
    ...(fastPath ? { 'lstm-inference-simd-efficiency': achieved / peak } : {}),
  },
  ...(fastPath ? { gflops: { 'lstm-update': achieved } } : {}),
  peakGflops: peakGflopsRecord(peaks),
  notes:
    `784-20-10 MLP (N = 15,910), backend ${BACKEND}, median of ${STEPS} steps after ${WARM} warm-up; LSTM path: ${fastPath ? 'inferenceOptimizer (fused kernel, threads auto: 2 above 4,096 coordinates in Node)' : 'withMetaParams (tfjs ops)'}` +
    (fastPath
      ? `; ${(flops.total / 1e6).toFixed(1)} MFLOP per update in the kernel (tools/bench/lstm-flops.mjs), ` +
        `${kernelThreads} thread(s), efficiency against the f32x4 peak of ${kernelThreads} thread(s)`
      : ''),
});
