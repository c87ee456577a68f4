import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeMap, initEngine, type LearnedOptimizer, Rng, type TensorMap } from '@l2o/core';
import { REFERENCE_MNIST_CONFIG, type LstmConfig } from '../config.js';
import { lstmOptimizer, type LstmState } from '../lstm-optimizer.js';
import { loadLstmOptimizer, saveLstmOptimizer } from './save-load.js';

let root: string;
beforeAll(async () => {
  await initEngine('wasm');
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'l2o-lstm-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function bits(t: tf.Tensor): number[] {
  const d = t.dataSync() as Float32Array;
  return [...new Uint32Array(d.buffer, d.byteOffset, d.length)];
}

/** Updates of three steps on a fixed gradient sequence, as raw float32 bits. */
function runBits(learned: LearnedOptimizer<LstmState, LstmConfig>, phi: TensorMap): number[] {
  const opt = learned.withMetaParams(phi);
  const params: TensorMap = { a: tf.zeros([2, 3]), b: tf.zeros([2]) };
  let state = opt.init(params);
  const out: number[] = [];
  for (let t = 0; t < 3; t++) {
    const grads: TensorMap = tf.tidy(() => ({
      a: tf.mul(
        tf.tensor2d([
          [0.1, -2, 0],
          [1e-7, 5, -0.3],
        ]),
        t + 1,
      ),
      b: tf.tensor1d([3e-5, -1]),
    }));
    const step = opt.update(grads, state, params);
    out.push(...bits(step.updates['a']!), ...bits(step.updates['b']!));
    disposeMap(grads);
    disposeMap(step.updates);
    tf.dispose([...state.h, ...state.c]);
    state = step.state;
  }
  tf.dispose([...state.h, ...state.c]);
  disposeMap(params);
  return out;
}

describe('saveLstmOptimizer / loadLstmOptimizer', () => {
  it('round-trips config, φ and the updates bitwise', () => {
    const learned = lstmOptimizer({ ...REFERENCE_MNIST_CONFIG, hiddenSizes: [6, 5] });
    const phi = learned.initMetaParams(Rng.seeded(42));
    const dir = join(root, 'opt');
    const written = saveLstmOptimizer(dir, { learned, metaParams: phi, training: { epochs: 12, data: 'mnist' } });
    expect(written.kind).toBe('lstm');
    const before = tf.memory().numTensors;
    const loaded = loadLstmOptimizer(dir);
    expect(loaded.learned.kind).toBe('lstm');
    expect(loaded.learned.name).toBe(learned.name);
    expect(loaded.learned.config).toEqual(learned.config);
    expect(loaded.manifest.training).toEqual({ epochs: 12, data: 'mnist' });
    expect(Object.keys(loaded.metaParams).sort()).toEqual(Object.keys(phi).sort());
    for (const k of Object.keys(phi)) expect(bits(loaded.metaParams[k]!)).toEqual(bits(phi[k]!));
    expect(runBits(loaded.learned, loaded.metaParams)).toEqual(runBits(learned, phi));
    disposeMap(loaded.metaParams);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi);
  });

  it('gives clear errors: other kind, corrupt weights, newer format version, bad config', () => {
    const learned = lstmOptimizer({ hiddenSizes: [2] });
    const phi = learned.initMetaParams(Rng.seeded(1));
    const dir = join(root, 'opt');
    saveLstmOptimizer(dir, { learned, metaParams: phi });
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    const before = tf.memory().numTensors;

    // core binds kind, config and weight table together: an edited kind is refused naming both kinds.
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, kind: 'ntm-bfgs' }));
    expect(() => loadLstmOptimizer(dir)).toThrow(/"kind" says "ntm-bfgs", but the artifact was saved as kind "lstm"/);
    // The loader's own checks, on manifests without that binding (as written before it existed).
    const { binding: _, ...unbound } = manifest;
    writeFileSync(manifestPath, JSON.stringify({ ...unbound, kind: 'ntm-bfgs' }));
    expect(() => loadLstmOptimizer(dir)).toThrow(/kind "ntm-bfgs"; loadLstmOptimizer reads kind "lstm"/);

    writeFileSync(manifestPath, JSON.stringify({ ...manifest, formatVersion: 999 }));
    expect(() => loadLstmOptimizer(dir)).toThrow(
      /written by a newer l2o \(format version 999\); this l2o reads up to 1 — upgrade @l2o\/core/,
    );

    writeFileSync(manifestPath, JSON.stringify({ ...unbound, config: { ...(manifest['config'] as object), p: -1 } }));
    expect(() => loadLstmOptimizer(dir)).toThrow(/manifest field "config": p must be a finite number > 0/);

    writeFileSync(
      manifestPath,
      JSON.stringify({ ...unbound, config: { ...(manifest['config'] as object), hiddenSizes: [3] } }),
    );
    expect(() => loadLstmOptimizer(dir)).toThrow(/weights: "layer0\/b" has shape \[8\]; expected \[12\]/);

    writeFileSync(manifestPath, JSON.stringify(manifest));
    const weights = readFileSync(join(dir, 'weights.bin'));
    weights[3]! ^= 0x10;
    writeFileSync(join(dir, 'weights.bin'), weights);
    expect(() => loadLstmOptimizer(dir)).toThrow(/corrupt weights: SHA-256/);
    writeFileSync(join(dir, 'weights.bin'), weights.subarray(0, 10));
    expect(() => loadLstmOptimizer(dir)).toThrow(/corrupt weights: weights\.bin has 10 bytes/);
    expect(() => loadLstmOptimizer(join(root, 'nothing'))).toThrow(/nothing.*does not exist/);
    expect(tf.memory().numTensors).toBe(before);

    const notLstm = { ...learned, kind: 'other' } as LearnedOptimizer<LstmState, LstmConfig>;
    expect(() => saveLstmOptimizer(dir, { learned: notLstm, metaParams: phi })).toThrow(/kind is "other"/);
    disposeMap(phi);
  });
});
