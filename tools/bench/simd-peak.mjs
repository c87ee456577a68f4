// The CPU's measured floating-point peak as WebAssembly sees it: a tiny module, assembled here byte by byte (no
// compiler, no libc), whose hot loop runs K independent chains x_i ← x_i · m + a on registers, either on f32x4
// (SIMD128: one f32x4.mul + one f32x4.add = 8 flops per chain and iteration) or on scalar f32 (2 flops). With
// enough chains the multiply/add latency is hidden and the loop runs at the throughput of the FP pipes, which is
// the ceiling any SIMD128 kernel (without relaxed-simd FMA) can reach on this CPU and this V8. The LSTM
// workloads of the bench divide their achieved GFLOP/s by it (tools/bench/lstm-flops.mjs counts their flops).
//
//   node tools/bench/simd-peak.mjs [--seconds 1.5] [--threads 1|2]   prints scalar and SIMD GFLOP/s
//
// Each chain's result is returned, so a test can check it bit for bit against float32 arithmetic in JS
// (Math.fround after every operation): the loop really executes the flops it is credited with.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

/** The probe's two kinds: f32x4 (SIMD128) and scalar f32. */
export const PROBE_KINDS = ['simd', 'scalar'];

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
};
const name = (s) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const vec = (items) => [...uleb(items.length), ...items.flat()];

// Opcodes (WebAssembly core spec 2.0 + SIMD128).
const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32Sub: 0x6b,
  f32Add: 0x92,
  f32Mul: 0x94,
  simd: 0xfd,
};
const V128_LOAD = [OP.simd, ...uleb(0)];
const V128_STORE = [OP.simd, ...uleb(11)];
const F32X4_ADD = [OP.simd, ...uleb(228)];
const F32X4_MUL = [OP.simd, ...uleb(230)];
const T_I32 = 0x7f;
const T_F32 = 0x7d;
const T_V128 = 0x7b;

function checkInt(v, field, lo, hi) {
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new Error(`simd-peak: ${field} must be an integer in [${lo}, ${hi}], got ${String(v)}`);
}

/**
 * The probe module's bytes. Exports `memory` (1 page) and `run(iters: i32)`. Memory layout, lane width w = 16
 * bytes (simd) or 4 (scalar): m at 0, a at w, x_i at 2w + i·w (i = 0…chains−1); `run` loads them, does
 * `iters` × `unroll` rounds of x_i ← x_i · m + a over every chain, and stores the x_i back.
 * Flops per `run(iters)`: iters · unroll · chains · (8 simd | 2 scalar).
 */
export function probeModuleBytes({ kind = 'simd', chains = 12, unroll = 4 } = {}) {
  if (!PROBE_KINDS.includes(kind))
    throw new Error(`simd-peak: kind must be one of ${PROBE_KINDS.join(', ')}, got ${String(kind)}`);
  checkInt(chains, 'chains', 1, 64);
  checkInt(unroll, 'unroll', 1, 64);
  const simd = kind === 'simd';
  const w = simd ? 16 : 4;
  const load = (offset) => (simd ? [...V128_LOAD, 4, ...uleb(offset)] : [OP.f32Load, 2, ...uleb(offset)]);
  const store = (offset) => (simd ? [...V128_STORE, 4, ...uleb(offset)] : [OP.f32Store, 2, ...uleb(offset)]);
  const mul = simd ? F32X4_MUL : [OP.f32Mul];
  const add = simd ? F32X4_ADD : [OP.f32Add];
  // Locals: 0 = iters (param), 1 = m, 2 = a, 3 + i = x_i.
  const M = 1;
  const A = 2;
  const X = (i) => 3 + i;
  const code = [];
  const zero = [OP.i32Const, ...sleb(0)];
  code.push(...zero, ...load(0), OP.localSet, M);
  code.push(...zero, ...load(w), OP.localSet, A);
  for (let i = 0; i < chains; i++) code.push(...zero, ...load(2 * w + i * w), OP.localSet, ...uleb(X(i)));
  code.push(OP.block, 0x40, OP.localGet, 0, OP.i32Eqz, OP.brIf, 0, OP.loop, 0x40);
  for (let u = 0; u < unroll; u++)
    for (let i = 0; i < chains; i++)
      code.push(OP.localGet, ...uleb(X(i)), OP.localGet, M, ...mul, OP.localGet, A, ...add, OP.localSet, ...uleb(X(i)));
  code.push(OP.localGet, 0, OP.i32Const, ...sleb(1), OP.i32Sub, OP.localTee, 0, OP.brIf, 0, OP.end, OP.end);
  for (let i = 0; i < chains; i++) code.push(...zero, OP.localGet, ...uleb(X(i)), ...store(2 * w + i * w));
  code.push(OP.end);
  const body = [...vec([[...uleb(chains + 2), simd ? T_V128 : T_F32]]), ...code];
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[T_I32]]), ...vec([])]])), // type 0: (i32) → ()
    ...section(3, vec([[0]])), // function 0 has type 0
    ...section(5, vec([[0x00, 1]])), // memory 0: min 1 page, no max
    ...section(
      7,
      vec([
        [...name('run'), 0x00, 0],
        [...name('memory'), 0x02, 0],
      ]),
    ),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ];
  return Uint8Array.from(bytes);
}

/** WebAssembly.validate, for callers typed without the WebAssembly globals (the test's tsconfig). */
export const isValidWasm = (bytes) => WebAssembly.validate(bytes);

/** Flops credited to one round of one chain: 8 for f32x4 mul + add, 2 for scalar. */
export const flopsPerChainRound = (kind) => (kind === 'simd' ? 8 : 2);

/**
 * A probe instance: `run(iters, m, a, x0)` writes m, a (numbers, splatted to the lanes) and the chains' start
 * values x0 (chains × lanes numbers, chain-major), runs, and returns the chains' end values (Float32Array,
 * chain-major).
 */
export function createProbe({ kind = 'simd', chains = 12, unroll = 4 } = {}) {
  const bytes = probeModuleBytes({ kind, chains, unroll });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  const { run, memory } = instance.exports;
  const lanes = kind === 'simd' ? 4 : 1;
  const f32 = new Float32Array(memory.buffer);
  return {
    kind,
    chains,
    unroll,
    lanes,
    flopsPerIteration: unroll * chains * flopsPerChainRound(kind),
    run(iters, m, a, x0) {
      checkInt(iters, 'iters', 0, 2 ** 31 - 1);
      if (x0.length !== chains * lanes)
        throw new Error(`simd-peak: x0 must hold chains × lanes = ${chains * lanes} values, got ${x0.length}`);
      f32.fill(m, 0, lanes);
      f32.fill(a, lanes, 2 * lanes);
      f32.set(x0, 2 * lanes);
      run(iters);
      return f32.slice(2 * lanes, 2 * lanes + chains * lanes);
    },
  };
}

/** What `probe.run` computes, in JS float32 arithmetic (each product and sum rounded to float32). */
export function referenceRun(iters, unroll, m, a, x0) {
  const mf = Math.fround(m);
  const af = Math.fround(a);
  return Float32Array.from(x0, (x) => {
    let v = Math.fround(x);
    for (let k = 0; k < iters * unroll; k++) v = Math.fround(Math.fround(v * mf) + af);
    return v;
  });
}

// Values that stay near 1 for any number of rounds (fixed point a / (1 − m) = 1): no overflow, no subnormals.
const M_VALUE = 0.9999;
const A_VALUE = 1e-4;

/**
 * Times one probe on this thread for about `seconds`: tier-up warm-up, then repetitions of ≈ `repSeconds`
 * each. Returns GFLOP/s of the best repetition (the peak: least disturbed by other processes on a shared
 * machine) and the median one.
 */
export function measureProbe({ kind = 'simd', chains = 12, unroll = 4, seconds = 1, repSeconds = 0.005 } = {}) {
  const probe = createProbe({ kind, chains, unroll });
  const x0 = Array.from({ length: chains * probe.lanes }, (_, i) => 0.5 + i / (chains * probe.lanes));
  // Warm-up: V8 runs new wasm code on its baseline compiler (Liftoff: ≈ 4× slower here) and switches a hot
  // function to optimised code from a later call on; 0.25 s of calls is well past that switch.
  let iters = 10_000;
  const warmUntil = performance.now() + 250;
  for (let k = 0; k < 30 || performance.now() < warmUntil; k++) probe.run(iters, M_VALUE, A_VALUE, x0);
  for (;;) {
    const t0 = performance.now();
    probe.run(iters, M_VALUE, A_VALUE, x0);
    const dt = (performance.now() - t0) / 1000;
    if (dt >= repSeconds / 2 || iters > 2 ** 29) {
      iters = Math.max(1, Math.min(2 ** 30, Math.round((iters * repSeconds) / Math.max(dt, 1e-6))));
      break;
    }
    iters *= 4;
  }
  const rates = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until || rates.length < 3) {
    const t0 = performance.now();
    probe.run(iters, M_VALUE, A_VALUE, x0);
    const dt = (performance.now() - t0) / 1000;
    rates.push((iters * probe.flopsPerIteration) / dt / 1e9);
  }
  rates.sort((p, q) => p - q);
  return {
    kind,
    chains,
    unroll,
    gflops: rates[rates.length - 1],
    medianGflops: rates[Math.floor(rates.length / 2)],
    reps: rates.length,
  };
}

/**
 * The probe on `threads` threads at once (2: this thread and a worker_thread, started together), each for
 * about `seconds`. Returns the summed GFLOP/s of the best repetitions and the per-thread results.
 */
export async function measureProbeThreads({ threads = 2, ...options } = {}) {
  checkInt(threads, 'threads', 1, 64);
  if (threads === 1) {
    const r = measureProbe(options);
    return { gflops: r.gflops, medianGflops: r.medianGflops, perThread: [r] };
  }
  const workers = Array.from(
    { length: threads - 1 },
    () => new Worker(fileURLToPath(import.meta.url), { workerData: { l2oSimdPeakProbe: options } }),
  );
  try {
    const others = workers.map(
      (w) =>
        new Promise((resolve, reject) => {
          w.once('message', resolve);
          w.once('error', reject);
        }),
    );
    const mine = measureProbe(options);
    const perThread = [mine, ...(await Promise.all(others))];
    return {
      gflops: perThread.reduce((s, r) => s + r.gflops, 0),
      medianGflops: perThread.reduce((s, r) => s + r.medianGflops, 0),
      perThread,
    };
  } finally {
    for (const w of workers) await w.terminate();
  }
}

/**
 * The bench's peak record: scalar f32 and f32x4 GFLOP/s on one thread, f32x4 on `threads` threads at once
 * (the sum of the threads' best repetitions). ≈ 3 × `seconds` of wall time.
 */
export async function measurePeaks({ seconds = 1, threads = 2 } = {}) {
  const scalar = measureProbe({ kind: 'scalar', seconds });
  const simd = measureProbe({ kind: 'simd', seconds });
  const simdThreads = threads > 1 ? await measureProbeThreads({ kind: 'simd', seconds, threads }) : undefined;
  return {
    scalarGflops: scalar.gflops,
    // One thread's peak: the best repetition of any thread, alone or beside the others (on a busy machine the
    // best rates come and go; the probe's threads run on separate cores).
    simdGflops: Math.max(simd.gflops, ...(simdThreads?.perThread ?? []).map((r) => r.gflops)),
    simdMedianGflops: simd.medianGflops,
    threads,
    simdThreadsGflops: simdThreads ? simdThreads.gflops : simd.gflops,
    chains: simd.chains,
  };
}

/** measurePeaks' result as the bench records it (recordBench's `peakGflops`: the section's machine block). */
export function peakGflopsRecord(p) {
  return {
    'scalar-f32-1-thread': p.scalarGflops,
    'f32x4-1-thread': p.simdGflops,
    ...(p.threads > 1 ? { [`f32x4-${p.threads}-threads`]: p.simdThreadsGflops } : {}),
  };
}

/** The f32x4 peak for a kernel running on `threads` threads (1, or measurePeaks' thread count). */
export function simdPeakFor(p, threads) {
  if (threads === 1) return p.simdGflops;
  if (threads === p.threads) return p.simdThreadsGflops;
  throw new Error(`simd-peak: peak measured for 1 and ${p.threads} threads, not ${threads}`);
}

/** One line for the bench's log. */
export function describePeaks(p) {
  return (
    `SIMD peak probe: scalar f32 ${p.scalarGflops.toFixed(1)} GFLOP/s, f32x4 ${p.simdGflops.toFixed(1)} GFLOP/s ` +
    `(median ${p.simdMedianGflops.toFixed(1)}) on 1 thread` +
    (p.threads > 1 ? `, f32x4 ${p.simdThreadsGflops.toFixed(1)} GFLOP/s on ${p.threads} threads` : '')
  );
}

if (!isMainThread && workerData?.l2oSimdPeakProbe) {
  parentPort.postMessage(measureProbe(workerData.l2oSimdPeakProbe));
} else if (isMainThread && process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (n, d) => {
    const i = process.argv.indexOf(`--${n}`);
    return i >= 0 ? Number(process.argv[i + 1]) : d;
  };
  const seconds = arg('seconds', 1.5);
  const threads = arg('threads', 2);
  if (process.argv.includes('--sweep')) {
    for (const kind of PROBE_KINDS)
      for (const chains of [1, 2, 4, 6, 8, 10, 12, 14]) {
        const r = measureProbe({ kind, chains, seconds: seconds / 4 });
        console.log(`${kind} chains ${chains}: ${r.gflops.toFixed(2)} GFLOP/s (median ${r.medianGflops.toFixed(2)})`);
      }
  }
  console.log(describePeaks(await measurePeaks({ seconds, threads })));
}
