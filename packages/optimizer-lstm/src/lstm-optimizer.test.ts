import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { mapSize } from '@l2o/core/extend';
import { resolveLstmConfig, type LstmConfig } from './config.js';
import { lstmOptimizer, type LstmState } from './lstm-optimizer.js';
import { lstmMetaParamCount, lstmMetaParamShapes } from './meta-params.js';

// ---------------------------------------------------------------------------------------------------------
// A float64 reference of the whole optimizer step, written independently of the tfjs code.
type Mat = { rows: number; cols: number; v: Float64Array }; // row-major
type RefPhi = Record<string, Mat>;
type RefState = { h: number[][][]; c: number[][][] }; // [layer][row][unit]

function refFromTensors(phi: TensorMap): RefPhi {
  const out: RefPhi = {};
  for (const [k, t] of Object.entries(phi)) {
    const [rows, cols] = t.shape.length === 2 ? (t.shape as [number, number]) : [1, t.shape[0]!];
    out[k] = { rows, cols, v: Float64Array.from(t.dataSync()) };
  }
  return out;
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

function refPreprocess(g: number, cfg: LstmConfig): number[] {
  if (cfg.preprocessing === 'none') return [g];
  const thr = Math.fround(Math.exp(-cfg.p));
  const a = Math.abs(g);
  return a >= thr ? [Math.log(a) / cfg.p, Math.sign(g)] : [-1, Math.exp(cfg.p) * g];
}

function refStep(phi: RefPhi, cfg: LstmConfig, grads: number[], state: RefState): { out: number[]; state: RefState } {
  const next: RefState = { h: [], c: [] };
  let xs = grads.map((g) => refPreprocess(g, cfg));
  cfg.hiddenSizes.forEach((H, l) => {
    const wx = phi[`layer${l}/wx`]!;
    const wh = phi[`layer${l}/wh`]!;
    const b = phi[`layer${l}/b`]!;
    const hs: number[][] = [];
    const cs: number[][] = [];
    xs.forEach((x, r) => {
      const hPrev = state.h[l]![r]!;
      const cPrev = state.c[l]![r]!;
      const z = new Array<number>(4 * H).fill(0);
      for (let j = 0; j < 4 * H; j++) {
        let s = b.v[j]!;
        for (let i = 0; i < x.length; i++) s += x[i]! * wx.v[i * 4 * H + j]!;
        for (let i = 0; i < H; i++) s += hPrev[i]! * wh.v[i * 4 * H + j]!;
        z[j] = s;
      }
      const h = new Array<number>(H);
      const c = new Array<number>(H);
      for (let u = 0; u < H; u++) {
        const ig = sig(z[u]!);
        const fg = sig(z[H + u]!);
        const gg = Math.tanh(z[2 * H + u]!);
        const og = sig(z[3 * H + u]!);
        c[u] = fg * cPrev[u]! + ig * gg;
        h[u] = og * Math.tanh(c[u]!);
      }
      hs.push(h);
      cs.push(c);
    });
    next.h.push(hs);
    next.c.push(cs);
    xs = hs;
  });
  const w = phi['output/w']!;
  const bo = phi['output/b']!.v[0]!;
  const out = xs.map((h) => cfg.outputScale * (h.reduce((s, hi, i) => s + hi * w.v[i]!, 0) + bo));
  return { out, state: next };
}

function refZero(cfg: LstmConfig, n: number): RefState {
  const z = () => cfg.hiddenSizes.map((H) => Array.from({ length: n }, () => new Array<number>(H).fill(0)));
  return { h: z(), c: z() };
}

/** Deterministic, "hand-set" φ: smooth functions of the index, not random. */
function handSetPhi(cfg: LstmConfig): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  let k = 0;
  for (const [name, shape] of Object.entries(lstmMetaParamShapes(cfg))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from(
      { length: n },
      (_, i) => 0.6 * Math.sin(1.3 * i + 0.7 * k) + 0.1 * Math.cos(0.37 * i * k),
    );
    out[name] = tf.tensor(v, shape);
    k++;
  }
  return out;
}

/** Flattened (sorted-key order) values of a map. */
function flatValues(m: TensorMap): number[] {
  return Object.keys(m)
    .sort()
    .flatMap((k) => [...m[k]!.dataSync()]);
}

function disposeState(s: LstmState): void {
  tf.dispose([...s.h, ...s.c]);
}

// ---------------------------------------------------------------------------------------------------------

describe('lstmOptimizer on wasm', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('has the documented meta-parameter and state shapes', () => {
    const learned = lstmOptimizer();
    expect(learned.kind).toBe('lstm');
    expect(learned.name).toBe('lstm(20,20)');
    expect(lstmMetaParamShapes(learned.config)).toEqual({
      'layer0/wx': [2, 80],
      'layer0/wh': [20, 80],
      'layer0/b': [80],
      'layer1/wx': [20, 80],
      'layer1/wh': [20, 80],
      'layer1/b': [80],
      'output/w': [20, 1],
      'output/b': [1],
    });
    expect(lstmMetaParamCount(learned.config)).toBe(160 + 1600 + 80 + 1600 + 1600 + 80 + 20 + 1);
    const phi = learned.initMetaParams(Rng.seeded(1));
    const opt = learned.withMetaParams(phi);
    const params: TensorMap = { w: tf.zeros([3, 4]), b: tf.zeros([4]) };
    const grads: TensorMap = { w: tf.randomNormal([3, 4]), b: tf.randomNormal([4]) };
    const s0 = opt.init(params);
    expect(s0.h.map((t) => t.shape)).toEqual([
      [16, 20],
      [16, 20],
    ]);
    expect(s0.c.map((t) => t.shape)).toEqual(s0.h.map((t) => t.shape));
    expect(s0.h.every((t) => t.dataSync().every((x) => x === 0))).toBe(true);
    const { updates, state } = opt.update(grads, s0, params);
    expect(Object.keys(updates).sort()).toEqual(['b', 'w']);
    expect(updates['w']!.shape).toEqual([3, 4]);
    expect(updates['b']!.shape).toEqual([4]);
    expect(state.h[1]!.shape).toEqual([16, 20]);
    tf.dispose([...Object.values(phi), ...Object.values(params), ...Object.values(grads), ...Object.values(updates)]);
    disposeState(s0);
    disposeState(state);
  });

  it('initialises φ deterministically from the seed: Glorot-uniform weights, forget bias block', () => {
    const cfg = resolveLstmConfig({ hiddenSizes: [4, 3], forgetBias: 1.5, initScale: 0.5 });
    const learned = lstmOptimizer(cfg);
    const a = learned.initMetaParams(Rng.seeded(7));
    const b = learned.initMetaParams(Rng.seeded(7));
    const c = learned.initMetaParams(Rng.seeded(8));
    expect(flatValues(a)).toEqual(flatValues(b));
    expect(flatValues(a)).not.toEqual(flatValues(c));
    expect([...a['layer0/b']!.dataSync()]).toEqual([0, 0, 0, 0, 1.5, 1.5, 1.5, 1.5, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...a['layer1/b']!.dataSync()]).toEqual([0, 0, 0, 1.5, 1.5, 1.5, 0, 0, 0, 0, 0, 0]);
    expect([...a['output/b']!.dataSync()]).toEqual([0]);
    const limit = 0.5 * Math.sqrt(6 / (4 + 16)); // layer0/wh: fan_in 4, fan_out 16
    const wh = [...a['layer0/wh']!.dataSync()];
    expect(Math.max(...wh.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...wh.map(Math.abs))).toBeGreaterThan(0.8 * limit);
    tf.dispose([...Object.values(a), ...Object.values(b), ...Object.values(c)]);
  });

  for (const variant of [
    { hiddenSizes: [3, 2], preprocessing: 'log-sign' as const, p: 10, outputScale: 0.1 },
    { hiddenSizes: [4], preprocessing: 'none' as const, p: 10, outputScale: 1 },
    { hiddenSizes: [2, 3, 2], preprocessing: 'log-sign' as const, p: 5, outputScale: 0.01 },
  ]) {
    it(`matches a float64 reference for hand-set φ over 3 steps (${JSON.stringify(variant)})`, () => {
      const cfg = resolveLstmConfig(variant);
      const learned = lstmOptimizer(cfg);
      const phi = handSetPhi(cfg);
      const ref = refFromTensors(phi);
      const opt = learned.withMetaParams(phi);
      const params: TensorMap = { a: tf.zeros([2, 2]), b: tf.zeros([3]) };
      const seq = [
        [0.5, -2, 0, 1e-6, 3e-5, -0.01, 7],
        [-0.3, 1e-9, 2, -4e-5, 0.9, 0, -1],
        [1, 1, -1, 1e-3, -5e-6, 20, 0.02],
      ];
      let state = opt.init(params);
      let rstate = refZero(cfg, 7);
      for (const gv of seq) {
        const g32 = Array.from(Float32Array.from(gv));
        // sorted keys: a (4 coords) then b (3 coords)
        const grads: TensorMap = { b: tf.tensor1d(g32.slice(4)), a: tf.tensor2d(g32.slice(0, 4), [2, 2]) };
        const step = opt.update(grads, state, params);
        const r = refStep(ref, cfg, g32, rstate);
        const got = flatValues(step.updates);
        r.out.forEach((x, i) =>
          expect(Math.abs(got[i]! - x)).toBeLessThan(2e-6 * Math.max(cfg.outputScale, Math.abs(x))),
        );
        const hLast = step.state.h[cfg.hiddenSizes.length - 1]!.arraySync();
        r.state.h[cfg.hiddenSizes.length - 1]!.forEach((row, i) =>
          row.forEach((x, u) => expect(Math.abs(hLast[i]![u]! - x)).toBeLessThan(2e-6)),
        );
        disposeState(state);
        disposeMap(grads);
        disposeMap(step.updates);
        state = step.state;
        rstate = r.state;
      }
      disposeState(state);
      disposeMap(phi);
      disposeMap(params);
    });
  }

  it('is coordinatewise: permuting coordinates permutes the updates (state carried over 3 steps)', () => {
    const learned = lstmOptimizer({ hiddenSizes: [5, 4] });
    const phi = learned.initMetaParams(Rng.seeded(3));
    const opt = learned.withMetaParams(phi);
    const n = 12;
    const rng = Rng.seeded(11);
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const params: TensorMap = { x: tf.zeros([n]) };
    let s1 = opt.init(params);
    let s2 = opt.init(params);
    for (let t = 0; t < 3; t++) {
      const g = rng.normalArray(n, 0, 10 ** (t - 2));
      const gp = Float32Array.from(perm, (p) => g[p]!);
      const a = { x: tf.tensor1d(g) };
      const b = { x: tf.tensor1d(gp) };
      const u1 = opt.update(a, s1, params);
      const u2 = opt.update(b, s2, params);
      const v1 = u1.updates['x']!.dataSync();
      const v2 = u2.updates['x']!.dataSync();
      perm.forEach((p, i) => expect(v2[i]).toBe(v1[p]));
      expect(new Set(v1).size).toBe(n); // the outputs are not trivially equal
      tf.dispose([a.x, b.x, u1.updates['x']!, u2.updates['x']!]);
      disposeState(s1);
      disposeState(s2);
      s1 = u1.state;
      s2 = u2.state;
    }
    disposeState(s1);
    disposeState(s2);
    disposeMap(phi);
    disposeMap(params);
  });

  it('does not leak tensors over 50 update steps', () => {
    const learned = lstmOptimizer();
    const phi = learned.initMetaParams(Rng.seeded(5));
    const opt = learned.withMetaParams(phi);
    const params: TensorMap = { w: tf.randomNormal([10, 10]), b: tf.zeros([10]) };
    const before = tf.memory().numTensors;
    let state = opt.init(params);
    let theta: TensorMap = { w: tf.clone(params['w']!), b: tf.clone(params['b']!) };
    for (let t = 0; t < 50; t++) {
      const grads = tf.tidy(() => ({ w: tf.mul(theta['w']!, 2), b: tf.sub(theta['b']!, 1) }));
      const step = opt.update(grads, state, theta);
      const next = { w: tf.add(theta['w']!, step.updates['w']!), b: tf.add(theta['b']!, step.updates['b']!) };
      disposeMap(grads);
      disposeMap(step.updates);
      disposeMap(theta);
      disposeState(state);
      state = step.state;
      theta = next;
    }
    expect(mapSize(theta)).toBe(110);
    expect(flatValues(theta).every(Number.isFinite)).toBe(true);
    disposeMap(theta);
    disposeState(state);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi);
    disposeMap(params);
  });

  it('rejects wrong meta-parameters and a mismatched state with clear errors', () => {
    const learned = lstmOptimizer({ hiddenSizes: [3] });
    const phi = learned.initMetaParams(Rng.seeded(1));
    const { ['output/b']: _drop, ...missing } = phi;
    expect(() => learned.withMetaParams(missing)).toThrow(/missing \[output\/b\]/);
    const wrong = { ...phi, 'layer0/wh': tf.zeros([3, 3]) };
    expect(() => learned.withMetaParams(wrong)).toThrow(/"layer0\/wh" has shape \[3, 3\]; expected \[3, 12\]/);
    const opt = learned.withMetaParams(phi);
    const s = opt.init({ x: tf.zeros([4]) });
    const g = { x: tf.zeros([5]) };
    expect(() => opt.update(g, s, g)).toThrow(/state\.h\[0\] has shape \[4, 3\]; expected \[5, 3\]/);
    expect(() => opt.init({})).toThrow(/at least one coordinate/);
    tf.dispose([wrong['layer0/wh'], g.x]);
    disposeState(s);
    disposeMap(phi);
  });
});

describe('meta-gradient w.r.t. φ on cpu', () => {
  beforeAll(async () => {
    await initEngine('cpu');
  });
  afterAll(async () => {
    await initEngine('wasm');
  });

  it('tf.grads through withMetaParams matches central finite differences of the float64 reference', () => {
    const cfg = resolveLstmConfig({ hiddenSizes: [3, 3], outputScale: 1, forgetBias: 0.5 });
    const learned = lstmOptimizer(cfg);
    const phi0 = learned.initMetaParams(Rng.seeded(21));
    const names = Object.keys(phi0).sort();
    const params: TensorMap = { x: tf.zeros([4]) };
    // gradients away from the log/sign threshold (the preprocessing is not smooth there)
    const gSeq = [
      [0.3, -1.2, 2e-5, -0.05],
      [-0.7, 0.01, -3e-6, 1.5],
    ];
    const wSeq = [
      [1, -0.5, 0.25, 2],
      [-1, 0.75, 1.5, -0.3],
    ];
    const before = tf.memory().numTensors;
    const gradsT = gSeq.map((g) => ({ x: tf.tensor1d(g) }));
    const weightsT = wSeq.map((w) => tf.tensor1d(w));
    const objective = (...vs: tf.Tensor[]): tf.Scalar => {
      const phi: Record<string, tf.Tensor> = {};
      names.forEach((k, i) => (phi[k] = vs[i]!));
      const opt = learned.withMetaParams(phi);
      let state = opt.init(params);
      const terms: tf.Scalar[] = [];
      gradsT.forEach((g, t) => {
        const step = opt.update(g, state, params);
        terms.push(tf.sum(tf.mul(step.updates['x']!, weightsT[t]!)));
        state = step.state;
      });
      return tf.addN(terms);
    };
    const tfGrads = tf.grads(objective)(names.map((k) => phi0[k]!));
    const got = tfGrads.map((t) => Array.from(t.dataSync()));
    tf.dispose(tfGrads);
    tf.dispose([...gradsT.map((g) => g.x), ...weightsT]);
    expect(tf.memory().numTensors).toBe(before);

    const ref = refFromTensors(phi0);
    const refObjective = (): number => {
      let st = refZero(cfg, 4);
      let s = 0;
      gSeq.forEach((g, t) => {
        const r = refStep(ref, cfg, Array.from(Float32Array.from(g)), st);
        s += r.out.reduce((acc, u, i) => acc + u * wSeq[t]![i]!, 0);
        st = r.state;
      });
      return s;
    };
    const eps = 1e-6;
    let maxAbs = 0;
    let checked = 0;
    names.forEach((k, ki) => {
      const v = ref[k]!.v;
      for (let i = 0; i < v.length; i++) {
        const x = v[i]!;
        v[i] = x + eps;
        const fp = refObjective();
        v[i] = x - eps;
        const fm = refObjective();
        v[i] = x;
        const fd = (fp - fm) / (2 * eps);
        const g = got[ki]![i]!;
        maxAbs = Math.max(maxAbs, Math.abs(fd));
        expect(Math.abs(g - fd), `d/d ${k}[${i}]: tf ${g} vs FD ${fd}`).toBeLessThan(1e-5 + 1e-4 * Math.abs(fd));
        checked++;
      }
    });
    expect(checked).toBe(lstmMetaParamCount(cfg));
    expect(maxAbs).toBeGreaterThan(0.1); // a non-trivial gradient was checked
    disposeMap(phi0);
    disposeMap(params);
  });
});
