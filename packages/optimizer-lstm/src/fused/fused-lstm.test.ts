import { describe, expect, it } from 'vitest';
import { Rng } from '@l2o/core';
import { maxRelativeError } from '@l2o/core/testing';
import { resolveLstmConfig, type LstmConfig } from '../config.js';
import { lstmMetaParamShapes } from '../meta-params.js';
import { createFusedLstm, suffixAdjoints } from './fused-lstm.js';
import { referenceUnroll, type Float64MetaParams } from './reference-lstm.js';
import { ensureMemory, instantiateLstmKernel } from './wasm-kernel.js';
// Registers worker_threads helpers for the 2-thread kernels.
import '../index-node.js';

function randomPhi(config: LstmConfig, rng: Rng, scale = 0.5): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  for (const [k, shape] of Object.entries(lstmMetaParamShapes(config))) {
    const size = shape.reduce((a, b) => a * b, 1);
    // Round through float32 so the kernel sees exactly the same φ.
    out[k] = Float64Array.from(rng.normalArray(size), (v) => Math.fround(v * scale));
  }
  return out;
}

const to32 = (m: Readonly<Record<string, Float64Array>>): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Float32Array.from(v)]));

/** Gradients spanning both branches of the log/sign preprocessing (|g| above and below e^-p). */
function randomGrads(rng: Rng, n: number, K: number): Float32Array[] {
  return Array.from({ length: K }, () =>
    Float32Array.from({ length: n }, () => {
      const mag = Math.exp(-16 + 17 * rng.uniform());
      return Math.fround(rng.uniform() < 0.5 ? -mag : mag);
    }),
  );
}

function randomState(rng: Rng, config: LstmConfig, n: number): { h: Float32Array[]; c: Float32Array[] } {
  const mk = (H: number): Float32Array => Float32Array.from(rng.normalArray(n * H), (v) => 0.5 * v);
  return { h: config.hiddenSizes.map(mk), c: config.hiddenSizes.map(mk) };
}

const maxRelErr = maxRelativeError;

describe('fused lstm kernel: nonlinearities', () => {
  it('tanh and sigmoid match Math.tanh / 1/(1+e^-x) to 6e-7 / 3e-7 absolute over [-30, 30]', () => {
    const kernel = instantiateLstmKernel();
    const k = kernel.exports;
    const n = 4096;
    const base = Number(k.__heap_base.value) + 64;
    const f32 = new Float32Array(kernel.memory.buffer);
    const x0 = base >> 2;
    const xs = Float32Array.from({ length: n }, (_, i) => Math.fround(-30 + (60 * i) / (n - 1)));
    xs[7] = 1e-4;
    xs[8] = -3e-3;
    f32.set(xs, x0);
    k.l2o_vec_tanh(n, base, base + n * 4);
    k.l2o_vec_sigmoid(n, base, base + 2 * n * 4);
    let et = 0;
    let es = 0;
    let rt = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const t = Math.tanh(x);
      et = Math.max(et, Math.abs(f32[x0 + n + i]! - t));
      if (Math.abs(x) < 0.1 && x !== 0) rt = Math.max(rt, Math.abs(f32[x0 + n + i]! - t) / Math.abs(t));
      es = Math.max(es, Math.abs(f32[x0 + 2 * n + i]! - 1 / (1 + Math.exp(-x))));
    }
    expect(et).toBeLessThan(6e-7);
    expect(es).toBeLessThan(3e-7);
    expect(rt).toBeLessThan(5e-7);
  });
});

describe('float64 reference backward', () => {
  it('matches central finite differences of S(φ) = Σ_s ⟨G_s, u_s(φ)⟩', () => {
    const config = resolveLstmConfig({ hiddenSizes: [3, 2] });
    const rng = Rng.seeded(11);
    const n = 5;
    const K = 4;
    const phi = randomPhi(config, rng);
    const grads = randomGrads(rng, n, K);
    const state = randomState(rng, config, n);
    const adj = Array.from({ length: K }, () => Float64Array.from(rng.normalArray(n)));
    const S = (p: Float64MetaParams): number => {
      const { updates } = referenceUnroll(config, p, grads, state);
      let s = 0;
      updates.forEach((u, t) => u.forEach((v, r) => (s += v * adj[t]![r]!)));
      return s;
    };
    const { dphi } = referenceUnroll(config, phi, grads, state, adj);
    const eps = 1e-6;
    let worst = 0;
    for (const [key, v] of Object.entries(phi)) {
      for (let i = 0; i < v.length; i++) {
        const plus = { ...phi, [key]: Float64Array.from(v) };
        plus[key]![i]! += eps;
        const minus = { ...phi, [key]: Float64Array.from(v) };
        minus[key]![i]! -= eps;
        const fd = (S(plus) - S(minus)) / (2 * eps);
        worst = Math.max(worst, Math.abs(fd - dphi![key]![i]!) / Math.max(1, Math.abs(fd)));
      }
    }
    expect(worst).toBeLessThan(1e-7);
  });
});

describe('fused lstm kernel: log/sign preprocessing', () => {
  it('ln x matches Math.log to 2e-7 relative (4e-8 absolute near 1) from 1e-37 to 3e38, and +inf', () => {
    const kernel = instantiateLstmKernel();
    const k = kernel.exports;
    const rng = Rng.seeded(21);
    const xs = Float32Array.from({ length: 8192 }, () => Math.fround(Math.exp(-85 + 173 * rng.uniform())));
    const near1 = Float32Array.from({ length: 4096 }, (_, i) => Math.fround(0.7 + (0.72 * i) / 4095));
    const special = Float32Array.from([1, 2, 0.5, Math.SQRT2, Math.SQRT1_2, 1e-30, 3e38, Number.POSITIVE_INFINITY]);
    const all = Float32Array.from([...xs, ...near1, ...special]);
    const base = Number(k.__heap_base.value) + 64;
    ensureMemory(kernel.memory, base + 2 * all.length * 4);
    new Float32Array(kernel.memory.buffer).set(all, base >> 2);
    k.l2o_vec_log(all.length, base, base + all.length * 4);
    const y = new Float32Array(kernel.memory.buffer, base + all.length * 4, all.length);
    let rel = 0;
    let absNear1 = 0;
    all.forEach((x, i) => {
      const want = Math.log(x);
      if (!Number.isFinite(want)) return expect(y[i]).toBe(want);
      const err = Math.abs(y[i]! - want);
      if (x > 0.7 && x < 1.42) absNear1 = Math.max(absNear1, err);
      else rel = Math.max(rel, err / Math.abs(want));
    });
    expect(rel).toBeLessThan(2e-7);
    expect(absNear1).toBeLessThan(4e-8);
  });

  it('l2o_log_sign gives the JS preprocessing on both sides of e^-p, at 0, ±inf and NaN', () => {
    const kernel = instantiateLstmKernel();
    const k = kernel.exports;
    const rng = Rng.seeded(22);
    const p = 10;
    const thr = Math.fround(Math.exp(-p));
    const expP = Math.fround(Math.exp(p));
    const g = randomGrads(rng, 4000, 1)[0]!;
    g.set([0, -0, thr, -thr, Math.fround(thr * 0.999), Infinity, -Infinity, Number.NaN], 100);
    const base = Number(k.__heap_base.value) + 64;
    ensureMemory(kernel.memory, base + 3 * g.length * 4);
    new Float32Array(kernel.memory.buffer).set(g, base >> 2);
    k.l2o_log_sign(g.length, base, p, thr, expP, base + g.length * 4);
    const x = new Float32Array(kernel.memory.buffer, base + g.length * 4, 2 * g.length);
    let worst = 0;
    g.forEach((v, r) => {
      const a = Math.abs(v);
      const want = a >= thr ? [Math.fround(Math.log(a)) / p, v > 0 ? 1 : -1] : [-1, Math.fround(v * expP)];
      expect(x[2 * r + 1], `row ${r} (g = ${v}) column 1`).toBe(want[1]);
      if (!Number.isFinite(want[0]!)) return expect(x[2 * r]).toBe(want[0]);
      worst = Math.max(worst, Math.abs(x[2 * r]! - want[0]!) / Math.max(Math.abs(want[0]!), 1e-3));
    });
    // ln|g| / p in float32: within 2 float32 roundings of the float64 value.
    expect(worst).toBeLessThan(2.5e-7);
  });
});

describe('fused lstm (wasm) against the float64 reference', () => {
  const cases: [string, Partial<LstmConfig>, number, 1 | 2][] = [
    ['paper 2×20, log-sign', {}, 37, 1],
    ['paper 2×20, log-sign, 2 threads', {}, 45, 2],
    ['odd sizes [5, 3, 6], log-sign', { hiddenSizes: [5, 3, 6], p: 5 }, 10, 1],
    ['odd sizes [5, 3, 6], 2 threads, 3 rows', { hiddenSizes: [5, 3, 6], p: 5 }, 3, 2],
    ['1×7, no preprocessing', { hiddenSizes: [7], preprocessing: 'none', outputScale: 1 }, 9, 1],
  ];
  for (const [name, partial, n, threads] of cases) {
    it(`${name}: updates, final state and dφ agree within float32 tolerance`, () => {
      const config = resolveLstmConfig(partial);
      const rng = Rng.seeded(3, n);
      const K = 6;
      const phi = randomPhi(config, rng);
      const grads = randomGrads(rng, n, K);
      const state = randomState(rng, config, n);
      const next = randomGrads(rng, n, K);
      const weights = Array.from({ length: K }, (_, i) => 1 + 0.25 * i);
      const adj = suffixAdjoints(next, weights);
      const ref = referenceUnroll(config, phi, grads, state, adj);

      const fused = createFusedLstm(config, { threads });
      expect(fused.threads).toBe(threads);
      // Two rounds: the second reuses the grown memory and must give the same answer.
      for (let round = 0; round < 2; round++) {
        fused.begin(n, to32(phi), state);
        for (let t = 0; t < K; t++) {
          const u = fused.step(grads[t]!);
          expect(maxRelErr(u, ref.updates[t]!)).toBeLessThan(2e-5);
        }
        const st = fused.state();
        expect(st.h).toHaveLength(config.hiddenSizes.length);
        expect(st.h[0]).toHaveLength(n * config.hiddenSizes[0]!);
        const dphi = fused.metaGradient(adj);
        const errs: Record<string, number> = {};
        for (const key of Object.keys(phi)) {
          errs[key] = maxRelErr(dphi[key]!, ref.dphi![key]!);
        }
        for (const key of Object.keys(phi)) expect(errs[key], key).toBeLessThan(1e-5);
      }
      fused.dispose();
    });
  }

  it('zero state when omitted; continuing from state() equals one longer unroll', () => {
    const config = resolveLstmConfig({ hiddenSizes: [4, 4] });
    const rng = Rng.seeded(5);
    const n = 8;
    const phi = to32(randomPhi(config, rng));
    const grads = randomGrads(rng, n, 4);
    const a = createFusedLstm(config);
    a.begin(n, phi);
    const all = grads.map((g) => a.step(g));
    const b = createFusedLstm(config);
    b.begin(n, phi);
    b.step(grads[0]!);
    b.step(grads[1]!);
    const mid = b.state();
    b.begin(n, phi, mid);
    expect(Array.from(b.step(grads[2]!))).toEqual(Array.from(all[2]!));
    expect(Array.from(b.step(grads[3]!))).toEqual(Array.from(all[3]!));
    // Two threads give bit-identical updates (rows are independent; same code on each half).
    const c = createFusedLstm(config, { threads: 2 });
    c.begin(n, phi);
    grads.forEach((g, t) => expect(Array.from(c.step(g))).toEqual(Array.from(all[t]!)));
    c.dispose();
  });

  it('errors name the problem', () => {
    const config = resolveLstmConfig({});
    const f = createFusedLstm(config);
    expect(() => f.step(new Float32Array(3))).toThrow(/begin\(\)/);
    const phi = to32(randomPhi(config, Rng.seeded(1)));
    f.begin(3, phi);
    expect(() => f.step(new Float32Array(4))).toThrow(/gradient has 4 values; expected 3/);
    expect(() => f.metaGradient([])).not.toThrow();
    f.step(new Float32Array(3));
    expect(() => f.metaGradient([])).toThrow(/one adjoint per step \(1\)/);
    const { ['output/b']: _drop, ...missing } = phi;
    void _drop;
    expect(() => f.begin(3, missing)).toThrow(/"output\/b" missing/);
    const heads = createFusedLstm(config, {
      extraInputs: 2,
      outputs: { w: 'output/w', b: 'output/b', count: 1, scale: 1 },
    });
    expect(() => heads.begin(3, phi)).toThrow(/"layer0\/wx" has 160 values; expected 320/); // 2 + 2 inputs
    heads.begin(3, { ...phi, 'layer0/wx': new Float32Array(320) });
    expect(() => heads.step(new Float32Array(3), new Float32Array(5))).toThrow(
      /extra inputs hold 5 values; expected 3×2/,
    );
    heads.step(new Float32Array(3), new Float32Array(6));
    heads.step(new Float32Array(3), new Float32Array(6));
    expect(() => heads.metaGradient([new Float32Array(3), new Float32Array(3)])).toThrow(/use backwardStep\(\)/);
    expect(() => heads.backwardStep(0, [new Float32Array(3)])).toThrow(/expected step 1, got 0/);
    expect(() => heads.backwardResult()).toThrow(/before backwardStep\(\) reached step 0/);
    expect(() => createFusedLstm(config, { extraInputs: -1 })).toThrow(/extraInputs must be an integer ≥ 0; got -1/);
    heads.dispose();
    f.dispose();
  });

  it('dφ has the same bits on 1 and 2 threads and from run to run (rows shared out in chunks, sums in chunk order)', () => {
    const config = resolveLstmConfig({ hiddenSizes: [6, 5] });
    const rng = Rng.seeded(11);
    const n = 2003;
    const K = 4;
    const phi = to32(randomPhi(config, rng));
    const grads = randomGrads(rng, n, K);
    const adj = suffixAdjoints(randomGrads(rng, n, K), [1, 1, 1, 1]);
    // Rows 0 and 1500 see the same gradients with opposite, huge adjoints: their contributions to dφ cancel exactly,
    // and everything added in between is absorbed or not depending on the order of the sums. Adding per thread
    // (whichever rows each thread happened to take) would change the result; per chunk, in chunk order, it cannot.
    for (let s = 0; s < K; s++) {
      grads[s]![1500] = grads[s]![0]!;
      adj[s]![0] = 1e20;
      adj[s]![1500] = -1e20;
    }
    const run = (threads: 1 | 2): Record<string, Float32Array> => {
      const f = createFusedLstm(config, { threads });
      f.begin(n, phi);
      for (const g of grads) f.step(g);
      const d = f.metaGradient(adj);
      f.dispose();
      return d;
    };
    const one = run(1);
    for (const d of [run(2), run(2), run(2)])
      for (const k of Object.keys(one)) expect(Array.from(d[k]!), k).toEqual(Array.from(one[k]!));
  });

  it('the stepwise backward (one step at a time, layer by layer) gives the whole-unroll kernel dφ', () => {
    const config = resolveLstmConfig({ hiddenSizes: [6, 5], preprocessing: 'log-sign-moments' });
    const rng = Rng.seeded(9);
    const n = 13;
    const phi = to32(randomPhi(config, rng));
    const grads = randomGrads(rng, n, 5);
    const adj = grads.map((g) => Float32Array.from(g, (v) => Math.sign(v) * 0.3 + v));
    const state = randomState(rng, config, n);
    for (const threads of [1, 2] as const) {
      const f = createFusedLstm(config, { threads });
      f.begin(n, phi, state);
      for (const g of grads) f.step(g);
      const whole = f.metaGradient(adj);
      f.begin(n, phi, state);
      for (const g of grads) f.step(g);
      for (let s = grads.length - 1; s >= 0; s--) expect(f.backwardStep(s, [adj[s]!]).length).toBe(0);
      const stepwise = f.backwardResult();
      for (const k of Object.keys(whole)) expect(maxRelErr(stepwise[k]!, whole[k]!)).toBeLessThan(1e-5);
      f.dispose();
    }
  });
});
