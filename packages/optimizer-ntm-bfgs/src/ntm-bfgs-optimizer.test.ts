import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { flattenMap } from '@l2o/core/extend';
import { preprocessGradients } from '@l2o/optimizer-lstm/extend';
import { gacLayers, gacOptimizer } from '@l2o/optimizer-gac';
import { saveGacOptimizer } from '@l2o/optimizer-gac/node';
import { DEFAULT_NTM_BFGS_CONFIG, resolveNtmBfgsConfig, type NtmBfgsConfig } from './config.js';
import { HEADS_B, HEADS_W, ntmBfgsMetaParamShapes } from './controller-params.js';
import { NTM_BFGS_KIND, ntmBfgsOptimizer, type NtmBfgsState } from './ntm-bfgs-optimizer.js';
import { loadNtmBfgsOptimizer, saveNtmBfgsOptimizer } from './node.js';

beforeAll(async () => {
  await initEngine('wasm');
});
const tmp = mkdtempSync(join(tmpdir(), 'l2o-ntm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolveNtmBfgsConfig', () => {
  it('defaults: paper controller, low-rank K = 30, 1 read and 3 write heads, M₀ = I', () => {
    const c = resolveNtmBfgsConfig();
    expect(c).toEqual(DEFAULT_NTM_BFGS_CONFIG);
    expect([c.memory, c.window, c.readHeads, c.writeHeads, c.memoryInit, c.globalCells]).toEqual([
      'low-rank',
      30,
      1,
      3,
      1,
      [5, 5],
    ]);
    expect(ntmBfgsMetaParamShapes(c)['layer0/wx']).toEqual([3, 80]); // log/sign (2) + 1 read fed back
    expect(ntmBfgsMetaParamShapes(c)[HEADS_W]).toEqual([20, 7]);
  });
  it('rejects bad fields, naming the field and the allowed values', () => {
    expect(() => resolveNtmBfgsConfig({ memory: 'sparse' })).toThrow(
      /memory must be one of 'dense', 'low-rank'; got "sparse"/,
    );
    expect(() => resolveNtmBfgsConfig({ window: 2 })).toThrow(/window must be an integer ≥ writeHeads \(3\)/);
    expect(() => resolveNtmBfgsConfig({ readHeads: 0 })).toThrow(/readHeads must be an integer ≥ 1; got 0/);
    expect(() => resolveNtmBfgsConfig({ writeHeads: 1.5 })).toThrow(/writeHeads must be an integer ≥ 0/);
    expect(() => resolveNtmBfgsConfig({ memoryInit: Infinity })).toThrow(/memoryInit must be a finite number/);
    expect(() => resolveNtmBfgsConfig({ averaging: 'x' })).toThrow(/averaging must be one of 'all', 'per-tensor'/);
    expect(() => resolveNtmBfgsConfig({ heads: 1 })).toThrow(
      /unknown field "heads"; allowed fields: .*memory, window, readHeads, writeHeads, memoryInit/,
    );
    const opt = ntmBfgsOptimizer({ memory: 'dense', hiddenSizes: [4] });
    const phi = opt.initMetaParams(Rng.seeded(1));
    const big = { x: tf.zeros([5000]) };
    expect(() => opt.withMetaParams(phi).init(big)).toThrow(
      /memory 'dense' .* at most 4096 coordinates; got 5000 \(use memory: 'low-rank'\)/,
    );
    big.x.dispose();
    disposeMap(phi);
  });
});

function trajectory(learned: ReturnType<typeof ntmBfgsOptimizer>, phi: TensorMap, steps: number): Float32Array[] {
  const opt = learned.withMetaParams(phi);
  const rng = Rng.seeded(5);
  const params: TensorMap = { w: tf.zeros([4, 3]), b: tf.zeros([3]) };
  let state = opt.init(params);
  const out: Float32Array[] = [];
  for (let t = 0; t < steps; t++) {
    const grads: TensorMap = { w: tf.tensor2d(rng.normalArray(12), [4, 3]), b: tf.tensor1d(rng.normalArray(3)) };
    const step = opt.update(grads, state, params);
    out.push(Float32Array.from([...step.updates['b']!.dataSync(), ...step.updates['w']!.dataSync()]));
    tf.dispose(state);
    disposeMap(step.updates);
    disposeMap(grads);
    state = step.state;
  }
  tf.dispose(state);
  disposeMap(params);
  return out;
}

describe('ntmBfgsOptimizer', () => {
  for (const preprocessing of ['log-sign', 'log-sign-moments'] as const) {
    it(`${preprocessing} inputs: one step = outputScale · (M₀ + a bᵀ/n) r with the controller heads, against a float64 computation`, () => {
      const cfg: Partial<NtmBfgsConfig> = {
        hiddenSizes: [6, 5],
        globalCells: [2, 1],
        memory: 'dense',
        writeHeads: 2,
        memoryInit: 0.8,
        outputScale: 0.3,
        preprocessing,
      };
      const moments = preprocessing === 'log-sign-moments';
      const learned = ntmBfgsOptimizer(cfg);
      const resolved = learned.config;
      const phi = learned.initMetaParams(Rng.seeded(2));
      const rng = Rng.seeded(3);
      const grads: TensorMap = { v: tf.tensor1d(rng.normalArray(7)) };
      const opt = learned.withMetaParams(phi);
      const s0 = opt.init(grads);
      const step = opt.update(grads, s0, grads);
      const got = Array.from(step.updates['v']!.dataSync());
      // the heads, computed directly
      const heads = tf.tidy(() => {
        const g = flattenMap(grads);
        const logSign = preprocessGradients(g, { preprocessing: 'log-sign', p: resolved.p });
        // From zero statistics the three moment ratios of step 1 are sign(g) each (closed form).
        const ratios = moments ? [tf.tile(tf.reshape(tf.sign(g), [7, 1]), [1, 3])] : [];
        const x = tf.concat([logSign, ...ratios, tf.zeros([7, 1])], 1) as tf.Tensor2D;
        const { top } = gacLayers(phi, resolved, x, s0.controller);
        return tf.add(tf.matMul(top, phi[HEADS_W] as tf.Tensor2D), phi[HEADS_B]!);
      });
      const h = heads.arraySync() as number[][];
      heads.dispose();
      const n = 7;
      for (let k = 0; k < n; k++) {
        let mr = 0.8 * h[k]![0]!;
        for (let head = 0; head < 2; head++) {
          let bDotR = 0;
          for (let j = 0; j < n; j++) bDotR += (h[j]![3 + head]! / n) * h[j]![0]!;
          mr += h[k]![1 + head]! * bDotR;
        }
        expect(got[k]).toBeCloseTo(0.3 * mr, 5);
      }
      // the read is kept for the next step's input
      expect(Array.from(step.state.read.dataSync()).map((v) => v * 0.3)).toEqual(got.map((v) => expect.closeTo(v, 6)));
      // the moment statistics advance in the controller's state: (0.1 g, 0.01 g, 0.01 g², 1)
      expect(step.state.controller.stats === undefined).toBe(!moments);
      if (moments) {
        const gv = Array.from(grads['v']!.dataSync());
        const want = gv.flatMap((v) => [0.1 * v, 0.01 * v, 0.01 * v * v, 1]);
        Array.from(step.state.controller.stats!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
        expect(learned.name).toMatch(/\[moments\]$/);
        expect(ntmBfgsMetaParamShapes(resolved)['layer0/wx']).toEqual([6, 24]); // 5 moment inputs + 1 read
      }
      tf.dispose([s0, step.state as NtmBfgsState]);
      disposeMap(step.updates);
      disposeMap(grads);
      disposeMap(phi);
    });
  }

  it('the low-rank form equals the dense form while the window holds every pair, and differs once it forgets', () => {
    const base: Partial<NtmBfgsConfig> = { hiddenSizes: [5, 5], globalCells: [1, 1], outputScale: 0.5 };
    const dense = ntmBfgsOptimizer({ ...base, memory: 'dense' });
    const low = ntmBfgsOptimizer({ ...base, memory: 'low-rank', window: 18 }); // 6 steps × 3 heads
    const short = ntmBfgsOptimizer({ ...base, memory: 'low-rank', window: 6 });
    const phi = dense.initMetaParams(Rng.seeded(4));
    const before = tf.memory().numTensors;
    const a = trajectory(dense, phi, 6);
    const b = trajectory(low, phi, 6);
    const c = trajectory(short, phi, 6);
    expect(tf.memory().numTensors).toBe(before);
    const scale = Math.max(...a.flatMap((u) => Array.from(u).map(Math.abs)));
    a.forEach((u, t) => u.forEach((v, i) => expect(Math.abs(v - b[t]![i]!) / scale).toBeLessThan(1e-5)));
    expect(Math.max(...a[5]!.map((v, i) => Math.abs(v - c[5]![i]!))) / scale).toBeGreaterThan(1e-3);
    disposeMap(phi);
  });

  it('saves and loads (kind "ntm-bfgs"); refuses another kind', () => {
    const learned = ntmBfgsOptimizer({
      hiddenSizes: [4],
      globalCells: [1],
      readHeads: 2,
      window: 7,
      preprocessing: 'none',
    });
    const phi = learned.initMetaParams(Rng.seeded(8));
    expect(saveNtmBfgsOptimizer(join(tmp, 'ntm'), { learned, metaParams: phi }).kind).toBe(NTM_BFGS_KIND);
    const loaded = loadNtmBfgsOptimizer(join(tmp, 'ntm'));
    expect(loaded.learned.config).toEqual(learned.config);
    const x = trajectory(learned, phi, 3);
    const y = trajectory(loaded.learned, loaded.metaParams, 3);
    expect(y).toEqual(x);
    disposeMap(loaded.metaParams);
    const gac = gacOptimizer({ hiddenSizes: [4] });
    const gphi = gac.initMetaParams(Rng.seeded(1));
    saveGacOptimizer(join(tmp, 'gac'), { learned: gac, metaParams: gphi });
    expect(() => loadNtmBfgsOptimizer(join(tmp, 'gac'))).toThrow(
      /kind "lstm-gac"; loadNtmBfgsOptimizer reads kind "ntm-bfgs"/,
    );
    disposeMap(gphi);
    disposeMap(phi);
  });
});
