import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeMap, initEngine, type Optimizer, optimizerForEvaluation, Rng, type TensorMap } from '@l2o/core';
import { cloneMap } from '@l2o/core/extend';
import { relativeError } from '@l2o/core/testing';
import { lstmOptimizer, type LstmState } from '../lstm-optimizer.js';
import type { LstmConfig } from '../config.js';
import {
  AUTO_TWO_THREAD_ROWS,
  fusedLstmInferenceMemoryBytes,
  fusedLstmInferenceOptimizer,
  inferenceThreadsFor,
  releaseFusedLstmInferenceKernels,
} from './fused-inference.js';
import { kernelThreadsAvailable } from './wasm-kernel.js';
// Registers worker_threads helpers for the 2-thread kernels.
import '../index-node.js';

beforeAll(async () => {
  await initEngine('wasm');
});
afterAll(() => {
  releaseFusedLstmInferenceKernels();
});

/** Gradients over `shapes` spanning both branches of the log/sign preprocessing, with a few exact zeros. */
function randomGrads(rng: Rng, shapes: Record<string, number[]>): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, s] of Object.entries(shapes)) {
    const size = s.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: size }, () => {
      const mag = Math.exp(-16 + 17 * rng.uniform());
      return rng.uniform() < 0.5 ? -mag : mag;
    });
    if (size > 3) v[1] = 0;
    out[k] = tf.tensor(v, s, 'float32');
  }
  return out;
}

/** A nonzero state for `n` coordinates (the zero state would hide errors in reading h, c). */
function randomState(rng: Rng, config: LstmConfig, n: number): LstmState {
  const mk = (H: number): tf.Tensor2D =>
    tf.tensor2d(
      Float32Array.from(rng.normalArray(n * H), (v) => 0.5 * v),
      [n, H],
    );
  const base = { h: config.hiddenSizes.map(mk), c: config.hiddenSizes.map(mk) };
  if (config.preprocessing !== 'log-sign-moments') return base;
  // Running statistics as after a few steps: momenta of either sign, v > 0, t = 3.
  const stats = Float32Array.from({ length: 4 * n }, (_, i) =>
    i % 4 === 3 ? 3 : i % 4 === 2 ? Math.exp(-20 + 18 * rng.uniform()) : 1e-3 * rng.normal(),
  );
  return { ...base, stats: tf.tensor2d(stats, [n, 4]) };
}

const relErr = relativeError;

function worst(
  fast: { updates: TensorMap; state: LstmState },
  ref: { updates: TensorMap; state: LstmState },
): { update: number; state: number } {
  expect(Object.keys(fast.updates).sort()).toEqual(Object.keys(ref.updates).sort());
  let update = 0;
  for (const k of Object.keys(ref.updates)) update = Math.max(update, relErr(fast.updates[k]!, ref.updates[k]!));
  let state = 0;
  ref.state.h.forEach(
    (t, l) => (state = Math.max(state, relErr(fast.state.h[l]!, t), relErr(fast.state.c[l]!, ref.state.c[l]!))),
  );
  expect(fast.state.stats === undefined).toBe(ref.state.stats === undefined);
  if (ref.state.stats) state = Math.max(state, relErr(fast.state.stats!, ref.state.stats));
  return { update, state };
}

/**
 * K steps on both paths from the same nonzero state: per step both get the reference's state (the contract of
 * one update), and separately the inference optimizer carries its own state (which its kernel keeps resident).
 */
function compare(
  config: Partial<LstmConfig>,
  shapes: Record<string, number[]>,
  seed: number,
  K = 4,
): { update: number; state: number; carried: number } {
  const learned = lstmOptimizer(config);
  const rng = Rng.seeded(seed);
  const phi = learned.initMetaParams(rng.fork());
  // Stronger φ than the initialisation so that the gates are far from 1/2 and the approximations are exercised.
  const phiBig = tf.tidy(() => Object.fromEntries(Object.entries(phi).map(([k, t]) => [k, tf.mul(t, 3)]))) as TensorMap;
  disposeMap(phi);
  const ref = learned.withMetaParams(phiBig);
  const fast = fusedLstmInferenceOptimizer(learned.config, phiBig);
  const n = Object.values(shapes).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
  const start = randomState(rng, learned.config, n);
  let refState = start;
  let ownState = start;
  const res = { update: 0, state: 0, carried: 0 };
  for (let k = 0; k < K; k++) {
    const grads = randomGrads(rng, shapes);
    const r = ref.update(grads, refState, {});
    const f = fast.update(grads, refState, {});
    const o = fast.update(grads, ownState, {});
    const e = worst(f, r);
    res.update = Math.max(res.update, e.update);
    res.state = Math.max(res.state, e.state);
    const c = worst(o, r);
    res.carried = Math.max(res.carried, c.update, c.state);
    disposeMap(grads);
    disposeMap(f.updates);
    disposeMap(o.updates);
    disposeMap(r.updates);
    tf.dispose(f.state);
    if (refState !== start) tf.dispose(refState);
    if (ownState !== start) tf.dispose(ownState);
    refState = r.state;
    ownState = o.state;
  }
  tf.dispose([start, refState, ownState] as tf.TensorContainer);
  disposeMap(phiBig);
  return res;
}

describe('fused lstm inference optimizer: same updates and state as withMetaParams(phi).update', () => {
  const cases: [string, Partial<LstmConfig>, Record<string, number[]>][] = [
    ['paper [20,20] log-sign, 2 tensors (N = 19)', {}, { a: [3, 4], b: [7] }],
    ['paper [20,20] log-sign, N = 1', {}, { w: [1] }],
    ['paper [20,20] log-sign, N = 1,280', {}, { w: [32, 32], b: [256] }],
    ["[20,20] 'none' (raw gradients), N = 13", { preprocessing: 'none', outputScale: 1 }, { a: [13] }],
    ['[7] (padded units) log-sign p = 5, N = 10', { hiddenSizes: [7], p: 5 }, { x: [2, 5] }],
    ["[5, 3, 6] 'none', N = 22", { hiddenSizes: [5, 3, 6], preprocessing: 'none' }, { x: [2, 3], y: [4, 4] }],
    [
      "[20,20] 'log-sign-moments' (5 inputs, statistics in the state), N = 19",
      { preprocessing: 'log-sign-moments' },
      { a: [3, 4], b: [7] },
    ],
  ];
  for (const [name, config, shapes] of cases) {
    it(name, () => {
      const before = tf.memory().numTensors;
      const e = compare(config, shapes, name.length);
      expect(e.update).toBeLessThan(1e-5);
      expect(e.state).toBeLessThan(1e-5);
      expect(e.carried).toBeLessThan(1e-5);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  /** Results of one update stay as they were after later updates (no tensor is a view of kernel memory). */
  function noAliasing(): void {
    const learned = lstmOptimizer();
    const phi = learned.initMetaParams(Rng.seeded(21));
    const opt = fusedLstmInferenceOptimizer(learned.config, phi);
    const rng = Rng.seeded(22);
    const g1 = randomGrads(rng, { a: [5, 3] });
    const g2 = randomGrads(rng, { a: [5, 3] });
    const s0 = opt.init(g1);
    const first = opt.update(g1, s0, {});
    const snap = (r: { updates: TensorMap; state: LstmState }): number[] =>
      [r.updates['a']!, ...r.state.h, ...r.state.c].flatMap((t) => Array.from(t.dataSync()));
    const before = snap(first);
    const second = opt.update(g2, s0, {});
    const third = opt.update(g2, second.state, {});
    expect(snap(first)).toEqual(before);
    expect(snap(second)).not.toEqual(before);
    for (const r of [first, second, third]) {
      disposeMap(r.updates);
      tf.dispose(r.state);
    }
    tf.dispose([phi, g1, g2, s0] as unknown as tf.TensorContainer);
  }

  it('no tensor it returns is a view of kernel memory (wasm backend)', () => {
    noAliasing();
  });

  it('on the cpu backend too (which keeps the arrays it is given)', async () => {
    await tf.setBackend('cpu');
    try {
      const e = compare({}, { a: [5, 3] }, 7, 3);
      expect(e.update).toBeLessThan(1e-5);
      expect(e.state).toBeLessThan(1e-5);
      expect(e.carried).toBeLessThan(1e-5);
      noAliasing();
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

describe('fused lstm inference optimizer: state handling, pooling, resources', () => {
  const learned = lstmOptimizer();
  const shapes = { a: [6, 5], b: [9] };

  it('an old state, interleaved trajectories and two optimizers sharing the pooled kernel all give the same results as fresh runs', () => {
    const rng = Rng.seeded(5);
    const phiA = learned.initMetaParams(rng.fork());
    const phiB = learned.initMetaParams(rng.fork());
    const a = fusedLstmInferenceOptimizer(learned.config, phiA);
    const b = fusedLstmInferenceOptimizer(learned.config, phiB);
    const refA = learned.withMetaParams(phiA);
    const grads = [0, 1, 2].map(() => randomGrads(rng, shapes));
    const s0 = a.init(grads[0]!);
    const a1 = a.update(grads[0]!, s0, {});
    const b1 = b.update(grads[0]!, s0, {}); // the kernel now holds b's φ and b's state
    const a2 = a.update(grads[1]!, a1.state, {}); // copies a1.state back in
    const a1again = a.update(grads[0]!, s0, {}); // from the older state once more
    const a2again = a.update(grads[1]!, a1again.state, {}); // kernel-resident state
    const a2fromOld = a.update(grads[1]!, a1.state, {}); // a1.state is not what the kernel holds now
    const same = (x: TensorMap, y: TensorMap): boolean =>
      Object.keys(x).every((k) => x[k]!.dataSync().every((v, i) => Object.is(v, y[k]!.dataSync()[i])));
    expect(same(a1again.updates, a1.updates)).toBe(true);
    expect(same(a2again.updates, a2.updates)).toBe(true);
    expect(same(a2fromOld.updates, a2.updates)).toBe(true);
    expect(same({ h: a2again.state.h[1]!, c: a2again.state.c[0]! }, { h: a2.state.h[1]!, c: a2.state.c[0]! })).toBe(
      true,
    );
    // And they are a's updates, not b's: compare with the tfjs path.
    const r1 = refA.update(grads[0]!, s0, {});
    const r2 = refA.update(grads[1]!, r1.state, {});
    expect(worst(a1, r1).update).toBeLessThan(1e-5);
    expect(worst(a2, r2).update).toBeLessThan(1e-5);
    expect(worst(b1, r1).update).toBeGreaterThan(1e-2);
    for (const s of [a1, b1, a2, a1again, a2again, a2fromOld, r1, r2]) {
      disposeMap(s.updates);
      tf.dispose(s.state);
    }
    tf.dispose([s0, grads, phiA, phiB] as unknown as tf.TensorContainer);
  });

  it('copies φ once at creation: neither disposes nor needs φ afterwards', () => {
    const phi = learned.initMetaParams(Rng.seeded(9));
    const copy = cloneMap(phi);
    const opt = fusedLstmInferenceOptimizer(learned.config, copy);
    expect(Object.values(copy).every((t) => !t.isDisposed)).toBe(true);
    disposeMap(copy);
    const grads = randomGrads(Rng.seeded(10), shapes);
    const s0 = opt.init(grads);
    const fast = opt.update(grads, s0, {});
    const ref = learned.withMetaParams(phi).update(grads, s0, {});
    expect(worst(fast, ref).update).toBeLessThan(1e-5);
    expect(worst(fast, ref).state).toBeLessThan(1e-5);
    for (const s of [fast, ref]) {
      disposeMap(s.updates);
      tf.dispose(s.state);
    }
    tf.dispose([s0, grads, phi] as unknown as tf.TensorContainer);
  });

  it('numTensors and wasm memory stay flat over 60 steps (N = 1,280), across sizes the memory is that of the largest', () => {
    releaseFusedLstmInferenceKernels(); // only this config's kernel in the pool
    const phi = learned.initMetaParams(Rng.seeded(11));
    const opt = fusedLstmInferenceOptimizer(learned.config, phi);
    const rng = Rng.seeded(12);
    const run = (sh: Record<string, number[]>, steps: number): void => {
      const g = randomGrads(rng, sh);
      let state = opt.init(g);
      for (let t = 0; t < steps; t++) {
        const step = opt.update(g, state, {});
        disposeMap(step.updates);
        tf.dispose(state);
        state = step.state;
      }
      tf.dispose(state);
      disposeMap(g);
    };
    run({ w: [1280] }, 2);
    const tensors = tf.memory().numTensors;
    const bytes = fusedLstmInferenceMemoryBytes();
    run({ w: [1280] }, 60);
    run({ w: [17] }, 5);
    run({ w: [1000] }, 5);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(fusedLstmInferenceMemoryBytes()).toBe(bytes);
    // The module's own 2 pages (64 KiB stack), φ, and (2 + 1 + 4·20) floats per coordinate, in 64 KiB pages.
    expect(bytes).toBeLessThanOrEqual(Math.ceil((2 * 65536 + 30_000 + 1280 * 83 * 4) / 65536) * 65536);
    disposeMap(phi);
  });

  it('rejects a state of the wrong shape or a disposed one, naming the field', () => {
    const phi = learned.initMetaParams(Rng.seeded(13));
    const opt = fusedLstmInferenceOptimizer(learned.config, phi);
    const g = randomGrads(Rng.seeded(14), { w: [4] });
    const wrong = learned.withMetaParams(phi).init({ w: tf.zeros([5]) });
    expect(() => opt.update(g, wrong, {})).toThrow(/state\.h\[0\] has shape \[5, 20\]; expected \[4, 20\]/);
    expect(() => opt.update(g, { h: wrong.h.slice(1), c: wrong.c }, {})).toThrow(
      /state must be \{h, c\} with 2 tensors/,
    );
    const s = opt.init(g);
    s.c[1]!.dispose();
    expect(() => opt.update(g, s, {})).toThrow(/state\.c\[1\] is disposed/);
    expect(() => fusedLstmInferenceOptimizer(lstmOptimizer({ hiddenSizes: [3] }).config, phi)).toThrow(/layer0\/wx/);
    tf.dispose([phi, g, wrong, s] as unknown as tf.TensorContainer);
  });

  it("threads: 'auto' (the default) runs large updates on two threads where helpers exist, bit-identical to 1", () => {
    expect(kernelThreadsAvailable()).toBe(true);
    expect(inferenceThreadsFor('auto', AUTO_TWO_THREAD_ROWS - 1)).toBe(1);
    expect(inferenceThreadsFor('auto', AUTO_TWO_THREAD_ROWS)).toBe(2);
    expect(inferenceThreadsFor(1, 1e6)).toBe(1);
    const phi = learned.initMetaParams(Rng.seeded(19));
    const one = fusedLstmInferenceOptimizer(learned.config, phi, { threads: 1 });
    const auto = fusedLstmInferenceOptimizer(learned.config, phi);
    const rng = Rng.seeded(20);
    for (const n of [37, AUTO_TWO_THREAD_ROWS + 5]) {
      const g = randomGrads(rng, { w: [n] });
      const s0 = randomState(rng, learned.config, n);
      const a = one.update(g, s0, {});
      const b = auto.update(g, s0, {});
      const flat = (r: { updates: TensorMap; state: LstmState }): Float32Array[] =>
        [r.updates['w']!, ...r.state.h, ...r.state.c].map((x) => x.dataSync() as Float32Array);
      const fb = flat(b);
      flat(a).forEach((v, i) => expect(v.every((x, j) => Object.is(x, fb[i]![j]))).toBe(true));
      for (const r of [a, b]) {
        disposeMap(r.updates);
        tf.dispose(r.state);
      }
      tf.dispose([g, s0] as unknown as tf.TensorContainer);
    }
    disposeMap(phi);
  });

  it('threads: 2 (rows split with a worker_thread) gives bit-identical results to 1 thread', () => {
    const phi = learned.initMetaParams(Rng.seeded(17));
    const one = fusedLstmInferenceOptimizer(learned.config, phi);
    const two = fusedLstmInferenceOptimizer(learned.config, phi, { threads: 2 });
    expect(() => fusedLstmInferenceOptimizer(learned.config, phi, { threads: 3 as 2 })).toThrow(
      /threads must be 1, 2 or 'auto'; got 3/,
    );
    const rng = Rng.seeded(18);
    for (const n of [5, 37, 1280]) {
      const g = randomGrads(rng, { w: [n] });
      const s0 = randomState(rng, learned.config, n);
      let a = one.update(g, s0, {});
      let b = two.update(g, s0, {});
      for (let t = 0; t < 3; t++) {
        const flat = (r: { updates: TensorMap; state: LstmState }): Float32Array[] =>
          [r.updates['w']!, ...r.state.h, ...r.state.c].map((x) => x.dataSync() as Float32Array);
        const fa = flat(a);
        const fb = flat(b);
        fa.forEach((v, i) => expect(v.every((x, j) => Object.is(x, fb[i]![j]))).toBe(true));
        const a2 = one.update(g, a.state, {});
        const b2 = two.update(g, b.state, {});
        for (const r of [a, b]) {
          disposeMap(r.updates);
          tf.dispose(r.state);
        }
        a = a2;
        b = b2;
      }
      for (const r of [a, b]) {
        disposeMap(r.updates);
        tf.dispose(r.state);
      }
      tf.dispose([g, s0] as unknown as tf.TensorContainer);
    }
    disposeMap(phi);
  });

  it('is the hook lstmOptimizer offers, and what optimizerForEvaluation picks', () => {
    const phi = learned.initMetaParams(Rng.seeded(15));
    expect(typeof learned.inferenceOptimizer).toBe('function');
    const opt = optimizerForEvaluation(learned, phi);
    expect(opt.name).toBe(learned.name);
    const g = randomGrads(Rng.seeded(16), shapes);
    const s0 = opt.init(g);
    const fast = opt.update(g, s0, {});
    const ref = learned.withMetaParams(phi).update(g, s0, {});
    // The fused kernel's approximations make it differ from tfjs in the last bits: this is not the tfjs path.
    expect(worst(fast, ref).update).toBeLessThan(1e-5);
    expect(
      Object.keys(g).some(
        (k) => !fast.updates[k]!.dataSync().every((v, i) => Object.is(v, ref.updates[k]!.dataSync()[i])),
      ),
    ).toBe(true);
    for (const s of [fast, ref]) {
      disposeMap(s.updates);
      tf.dispose(s.state);
    }
    tf.dispose([s0, g, phi] as unknown as tf.TensorContainer);
  });
});

/** ms per update: the fused inference optimizer against the tfjs optimizer. Run with L2O_BENCH=1. */
describe.skipIf(!process.env['L2O_BENCH'])('fused lstm inference optimizer: speed', () => {
  it('ms per update at N = 1,280 and 15,910 (medians)', () => {
    const learned = lstmOptimizer();
    const phi = learned.initMetaParams(Rng.seeded(1));
    const time = (opt: Optimizer<LstmState>, g: TensorMap, reps: number): number => {
      let state = opt.init(g);
      const ms: number[] = [];
      for (let i = 0; i < reps + 3; i++) {
        const t0 = performance.now();
        const step = opt.update(g, state, {});
        // Force the results (tfjs on wasm runs eagerly; dataSync makes it certain for both).
        for (const t of Object.values(step.updates)) t.dataSync();
        const t1 = performance.now();
        if (i >= 3) ms.push(t1 - t0);
        disposeMap(step.updates);
        tf.dispose(state);
        state = step.state;
      }
      tf.dispose(state);
      ms.sort((a, b) => a - b);
      return ms[Math.floor(ms.length / 2)]!;
    };
    const rows: string[] = [];
    for (const n of [1280, 15910]) {
      const g = randomGrads(Rng.seeded(n), { w: [n] });
      const reps = n > 10000 ? 30 : 100;
      const res = { tfjs: [] as number[], fused: [] as number[], fused2: [] as number[] };
      for (let round = 0; round < 3; round++) {
        res.tfjs.push(time(learned.withMetaParams(phi), g, reps));
        res.fused.push(time(learned.inferenceOptimizer!(phi), g, reps));
        res.fused2.push(time(fusedLstmInferenceOptimizer(learned.config, phi, { threads: 2 }), g, reps));
      }
      const med = (a: number[]): number => [...a].sort((x, y) => x - y)[1]!;
      const all = (a: number[]): string => a.map((v) => v.toFixed(2)).join('/');
      rows.push(
        `N = ${n}: tfjs ${med(res.tfjs).toFixed(3)} ms, fused ${med(res.fused).toFixed(3)} ms (×${(med(res.tfjs) / med(res.fused)).toFixed(1)}), ` +
          `fused 2 threads ${med(res.fused2).toFixed(3)} ms (×${(med(res.tfjs) / med(res.fused2)).toFixed(1)}) ` +
          `(rounds: tfjs ${all(res.tfjs)}, fused ${all(res.fused)}, 2 threads ${all(res.fused2)})`,
      );
      disposeMap(g);
    }
    console.log(rows.join('\n'));
    disposeMap(phi);
  }, 300_000);
});
