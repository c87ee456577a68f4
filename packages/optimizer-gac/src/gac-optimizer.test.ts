import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { lstmOptimizer } from '@l2o/optimizer-lstm';
import { saveLstmOptimizer } from '@l2o/optimizer-lstm/node';
import { PAPER_GAC_CONFIG, resolveGacConfig } from './config.js';
import { GAC_KIND, gacOptimizer } from './gac-optimizer.js';
import { loadGacOptimizer, saveGacOptimizer } from './node.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const tmp = mkdtempSync(join(tmpdir(), 'l2o-gac-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolveGacConfig', () => {
  it('defaults to the paper: 2×20, ⌊h/4⌋ global cells per layer, averaged over all coordinates', () => {
    const c = resolveGacConfig();
    expect(c).toEqual(PAPER_GAC_CONFIG);
    expect(c.globalCells).toEqual([5, 5]);
    expect(c.averaging).toBe('all');
    expect(resolveGacConfig({ hiddenSizes: [8, 4, 3] }).globalCells).toEqual([2, 1, 0]);
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('rejects bad fields, naming the field and the allowed values', () => {
    expect(() => resolveGacConfig({ averaging: 'layer' })).toThrow(
      /averaging must be one of 'all', 'per-tensor'; got "layer"/,
    );
    expect(() => resolveGacConfig({ globalCells: [5] })).toThrow(
      /globalCells must be an array of 2 integers, entry l in \[0, hiddenSizes\[l\]\]/,
    );
    expect(() => resolveGacConfig({ globalCells: [21, 0] })).toThrow(/globalCells/);
    expect(() => resolveGacConfig({ globalCell: [1, 1] })).toThrow(
      /unknown field "globalCell"; allowed fields: .*globalCells, averaging/,
    );
    expect(() => resolveGacConfig({ p: -1 })).toThrow(/p must be a finite number > 0/);
    expect(() => resolveGacConfig({ preprocessing: 'moments' })).toThrow(
      /preprocessing must be one of 'log-sign', 'none', 'log-sign-moments'; got "moments"/,
    );
    expect(() => gacOptimizer({ hiddenSizes: [] })).toThrow(/hiddenSizes must be a non-empty array/);
  });
});

describe('gacOptimizer', () => {
  it('with no global cells it is the LSTM optimizer, bit for bit', () => {
    const gac = gacOptimizer({ hiddenSizes: [6, 4], globalCells: [0, 0] });
    const lstm = lstmOptimizer({ hiddenSizes: [6, 4] });
    const phi = gac.initMetaParams(Rng.seeded(1));
    const phi2 = lstm.initMetaParams(Rng.seeded(1));
    const a = gac.withMetaParams(phi);
    const b = lstm.withMetaParams(phi2);
    const rng = Rng.seeded(2);
    const params: TensorMap = { w: tf.zeros([3, 3]), v: tf.zeros([2]) };
    let sa = a.init(params);
    let sb = b.init(params);
    for (let t = 0; t < 3; t++) {
      const grads: TensorMap = { w: tf.tensor2d(rng.normalArray(9), [3, 3]), v: tf.tensor1d(rng.normalArray(2)) };
      const ua = a.update(grads, sa, params);
      const ub = b.update(grads, sb, params);
      for (const k of ['v', 'w'])
        expect(Array.from(ua.updates[k]!.dataSync())).toEqual(Array.from(ub.updates[k]!.dataSync()));
      tf.dispose([sa, sb]);
      sa = ua.state;
      sb = ub.state;
      disposeMap(ua.updates);
      disposeMap(ub.updates);
      disposeMap(grads);
    }
    tf.dispose([sa, sb]);
    disposeMap(params);
    disposeMap(phi);
    disposeMap(phi2);
  });

  it('global cells couple the coordinates: changing one gradient changes every update (not so for the LSTM)', () => {
    const rng = Rng.seeded(6);
    const g0 = rng.normalArray(8);
    const g1 = Float32Array.from(g0);
    g1[0] = g1[0]! + 1;
    const run = (globalCells: number[], g: Float32Array): Float32Array => {
      const learned = gacOptimizer({ hiddenSizes: [6, 6], globalCells });
      const phi = learned.initMetaParams(Rng.seeded(3));
      const opt = learned.withMetaParams(phi);
      const params: TensorMap = { x: tf.zeros([8]) };
      const grads: TensorMap = { x: tf.tensor1d(g) };
      const s = opt.init(params);
      const step = opt.update(grads, s, params);
      const out = Float32Array.from(step.updates['x']!.dataSync());
      tf.dispose([s, step.state]);
      disposeMap(step.updates);
      disposeMap(grads);
      disposeMap(params);
      disposeMap(phi);
      return out;
    };
    const a = run([2, 2], g0);
    const b = run([2, 2], g1);
    for (let i = 1; i < 8; i++) expect(a[i]).not.toBe(b[i]);
    const c = run([0, 0], g0);
    const d = run([0, 0], g1);
    for (let i = 1; i < 8; i++) expect(c[i]).toBe(d[i]);
  });

  it('rejects φ of the wrong shapes and states of the wrong size', () => {
    const learned = gacOptimizer({ hiddenSizes: [4] });
    const other = gacOptimizer({ hiddenSizes: [5] }).initMetaParams(Rng.seeded(1));
    expect(() => learned.withMetaParams(other)).toThrow(
      /lstm-gac meta-parameters: "layer0\/b" has shape \[20\]; expected \[16\]/,
    );
    const phi = learned.initMetaParams(Rng.seeded(1));
    const opt = learned.withMetaParams(phi);
    const s = opt.init({ x: tf.zeros([3]) });
    const grads = { x: tf.zeros([4]) };
    expect(() => opt.update(grads, s, grads)).toThrow(/state.h\[0\] has shape \[3, 4\]; expected \[4, 4\]/);
    tf.dispose([s, grads.x]);
    disposeMap(phi);
    disposeMap(other);
  });

  it('saves and loads (kind "lstm-gac", config kept); refuses another kind', () => {
    const learned = gacOptimizer({ hiddenSizes: [5, 3], globalCells: [2, 1], averaging: 'per-tensor', p: 5 });
    const phi = learned.initMetaParams(Rng.seeded(8));
    const manifest = saveGacOptimizer(join(tmp, 'gac'), { learned, metaParams: phi, training: { epochs: 3 } });
    expect(manifest.kind).toBe(GAC_KIND);
    const loaded = loadGacOptimizer(join(tmp, 'gac'));
    expect(loaded.learned.config).toEqual(learned.config);
    expect(loaded.learned.name).toBe(learned.name);
    for (const k of Object.keys(phi))
      expect(Array.from(loaded.metaParams[k]!.dataSync())).toEqual(Array.from(phi[k]!.dataSync()));
    disposeMap(loaded.metaParams);

    const lstm = lstmOptimizer({ hiddenSizes: [5, 3] });
    const lphi = lstm.initMetaParams(Rng.seeded(8));
    saveLstmOptimizer(join(tmp, 'lstm'), { learned: lstm, metaParams: lphi });
    const before = tf.memory().numTensors;
    expect(() => loadGacOptimizer(join(tmp, 'lstm'))).toThrow(
      /holds a learned optimizer of kind "lstm"; loadGacOptimizer reads kind "lstm-gac"/,
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(() => saveGacOptimizer(join(tmp, 'x'), { learned: lstm as never, metaParams: lphi })).toThrow(
      /learned.kind is "lstm"/,
    );
    disposeMap(lphi);
    disposeMap(phi);
  });
});
