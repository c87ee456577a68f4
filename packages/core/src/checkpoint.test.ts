import * as tf from '@tensorflow/tfjs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointStore, readCheckpoint, type MetaCheckpoint } from './checkpoint.js';
import { metaTrain as metaTrainAnywhere } from './meta-train.js';
import { metaTrain, readCheckpointFile, writeCheckpoint } from './node.js';
import { packBinaryFile } from './container-codec.js';
import { crc32 } from './crc32.js';
import { initEngine } from './engine/engine.js';
import { L2oIoError } from './io-error.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned, tinyQuadraticTask } from './test-fixtures.js';
import type { JsonValue, TensorMap } from './types.js';

function bitsOf(t: tf.Tensor): number[] {
  const d = t.dataSync() as Float32Array;
  return Array.from(new Uint32Array(Float32Array.from(d).buffer));
}

function mapBits(m: TensorMap): Record<string, number[]> {
  return Object.fromEntries(
    Object.keys(m)
      .sort()
      .map((k) => [k, bitsOf(m[k]!)]),
  );
}

function sample(): MetaCheckpoint {
  return {
    epoch: 12,
    phi: {
      w: tf.tensor2d([
        [1.5, -0, 3e-39],
        [Math.PI, -2, 1e30],
      ]),
      b: tf.scalar(0.1),
    },
    metaState: {
      m: {
        w: tf.tensor2d([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        b: tf.scalar(-0.25),
      },
      v: { w: tf.zeros([2, 3]), b: tf.scalar(1e-8) },
      step: 24,
      beta1Power: Math.fround(0.9 ** 24),
      beta2Power: Math.fround(0.999 ** 24),
    },
    best: {
      w: tf.tensor2d([
        [0.5, 0.25, 0.125],
        [1, 2, 4],
      ]),
      b: tf.scalar(7),
    },
    bestEpoch: 0,
    bestValidation: Number.POSITIVE_INFINITY,
    history: [
      { epoch: 11, metaLoss: 0.1 + 0.2 },
      { epoch: 12, metaLoss: NaN, validation: 1 / 3 },
    ],
    wallSeconds: 12.345678901234567,
    skippedUnrolls: 4,
    fingerprint: { learned: 'lstm', horizon: 100, seed: 7, extra: true },
  };
}

function disposeCk(ck: MetaCheckpoint): void {
  disposeMap(ck.phi);
  disposeMap(ck.best);
  tf.dispose(ck.metaState);
}

let dir: string;
beforeAll(async () => {
  await initEngine('wasm');
  dir = mkdtempSync(join(tmpdir(), 'l2o-checkpoint-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A valid file's JSON with some fields replaced, re-framed (valid CRC). */
function reframed(change: (json: Record<string, JsonValue>) => void): Uint8Array {
  const path = join(dir, 'base.l2ock');
  const ck = sample();
  writeCheckpoint(path, ck);
  disposeCk(ck);
  const data = new Uint8Array(readFileSync(path));
  const view = new DataView(data.buffer);
  const jsonLength = view.getUint32(12, true);
  const json = JSON.parse(new TextDecoder().decode(data.subarray(24, 24 + jsonLength))) as Record<string, JsonValue>;
  const payloadStart = (24 + jsonLength + 3) & ~3;
  const payload = data.slice(payloadStart, data.length - 4);
  change(json);
  return packBinaryFile(json, payload);
}

describe('writeCheckpoint / readCheckpoint', () => {
  it('round-trips tensors bitwise, metadata, Infinity and NaN, and leaves no temporary file', () => {
    const path = join(dir, 'round.l2ock');
    const ck = sample();
    writeCheckpoint(path, ck);
    expect(readdirSync(dir).filter((f) => f.includes('round'))).toEqual(['round.l2ock']);
    const before = tf.memory().numTensors;
    // readFileSync gives a Buffer (a view into a shared pool): must decode exactly as a plain Uint8Array does.
    for (const data of [readFileSync(path), new Uint8Array(readFileSync(path))]) {
      const back = readCheckpoint(data);
      expect(mapBits(back.phi)).toEqual(mapBits(ck.phi));
      expect(mapBits(back.best)).toEqual(mapBits(ck.best));
      const ms = back.metaState as { m: TensorMap; v: TensorMap; step: number; beta1Power: number; beta2Power: number };
      const orig = ck.metaState as typeof ms;
      expect(mapBits(ms.m)).toEqual(mapBits(orig.m));
      expect(mapBits(ms.v)).toEqual(mapBits(orig.v));
      expect(ms.step).toBe(24);
      expect(ms.beta1Power).toBe(orig.beta1Power);
      expect(ms.beta2Power).toBe(orig.beta2Power);
      expect(back.phi['w']!.shape).toEqual([2, 3]);
      expect(back.phi['b']!.shape).toEqual([]);
      expect(back.epoch).toBe(12);
      expect(back.bestEpoch).toBe(0);
      expect(back.bestValidation).toBe(Number.POSITIVE_INFINITY);
      expect(back.history).toHaveLength(2);
      expect(back.history[0]).toEqual({ epoch: 11, metaLoss: 0.1 + 0.2 });
      expect(back.history[0]!.validation).toBeUndefined();
      expect(back.history[1]!.metaLoss).toBeNaN();
      expect(back.history[1]!.validation).toBe(1 / 3);
      expect(back.wallSeconds).toBe(12.345678901234567);
      expect(back.skippedUnrolls).toBe(4);
      expect(back.fingerprint).toEqual({ learned: 'lstm', horizon: 100, seed: 7, extra: true });
      disposeCk(back);
    }
    expect(tf.memory().numTensors).toBe(before);
    // A finite bestValidation is kept as it is; overwriting replaces the file.
    writeCheckpoint(path, { ...ck, bestValidation: 0.123456789, bestEpoch: 10 });
    const again = readCheckpoint(readFileSync(path));
    expect(again.bestValidation).toBe(0.123456789);
    expect(again.bestEpoch).toBe(10);
    disposeCk(again);
    disposeCk(ck);
  });

  it('rejects a truncated file', () => {
    const path = join(dir, 'trunc.l2ock');
    const ck = sample();
    writeCheckpoint(path, ck);
    disposeCk(ck);
    const data = readFileSync(path);
    expect(() => readCheckpoint(data.subarray(0, data.length - 10))).toThrow(/truncated/);
    expect(() => readCheckpoint(data.subarray(0, 20))).toThrow(/truncated/);
    expect(() => readCheckpoint(data.subarray(0, 4))).toThrow(/not an l2o binary file/);
  });

  it('rejects a file with flipped bytes (CRC), in the JSON and in the tensor payload', () => {
    const path = join(dir, 'flip.l2ock');
    const ck = sample();
    writeCheckpoint(path, ck);
    disposeCk(ck);
    const before = tf.memory().numTensors;
    for (const at of [40, -12]) {
      const data = new Uint8Array(readFileSync(path));
      const i = at < 0 ? data.length + at : at;
      data[i]! ^= 0x10;
      expect(() => readCheckpoint(data)).toThrow(/corrupt.*CRC/);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a file of another kind or not an l2o file at all', () => {
    const other = packBinaryFile({ kind: 'l2o-optimizer', version: 1 }, new Uint8Array(0));
    expect(() => readCheckpoint(other)).toThrow(/not an l2o meta-training checkpoint.*l2o-optimizer/);
    expect(() => readCheckpoint(packBinaryFile([1, 2], new Uint8Array(0)))).toThrow(/not an l2o checkpoint/);
    const path = join(dir, 'text.l2ock');
    writeFileSync(path, '{"kind":"l2o-meta-checkpoint"}');
    expect(() => readCheckpoint(readFileSync(path))).toThrow(/not an l2o binary file/);
  });

  it('rejects a checkpoint of a newer version, and a newer binary framing', () => {
    expect(() => readCheckpoint(reframed((j) => (j['version'] = 2)))).toThrow(/newer.*version 2.*reads up to 1/);
    // Framing version 2 in the header (CRC recomputed so only the version is wrong).
    const path = join(dir, 'framing.l2ock');
    const ck = sample();
    writeCheckpoint(path, ck);
    disposeCk(ck);
    const data = new Uint8Array(readFileSync(path));
    const view = new DataView(data.buffer);
    view.setUint32(8, 2, true);
    view.setUint32(data.length - 4, crc32(data, 0, data.length - 4), true);
    expect(() => readCheckpoint(data)).toThrow(/newer/);
  });

  it('names the bad field of a well-framed but malformed checkpoint, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    expect(() => readCheckpoint(reframed((j) => delete j['epoch']))).toThrow(/"epoch"/);
    expect(() => readCheckpoint(reframed((j) => (j['skippedUnrolls'] = 'many')))).toThrow(/"skippedUnrolls"/);
    expect(() => readCheckpoint(reframed((j) => (j['history'] = 3)))).toThrow(/"history"/);
    expect(() => readCheckpoint(reframed((j) => (j['history'] = [{ epoch: 1, metaLoss: 'x' }])))).toThrow(
      /history\[0\]\.metaLoss/,
    );
    expect(() => readCheckpoint(reframed((j) => (j['fingerprint'] = null)))).toThrow(/"fingerprint"/);
    expect(() => readCheckpoint(reframed((j) => delete (j['tensors'] as Record<string, JsonValue>)['best']))).toThrow(
      /best/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the file in every error: damaged, a directory in its place, a folder that cannot be written', () => {
    const path = join(dir, 'named.l2ock');
    const ck = sample();
    writeCheckpoint(path, ck);
    disposeCk(ck);
    const data = readFileSync(path);
    writeFileSync(path, data.subarray(0, data.length - 10));
    expect(() => readCheckpointFile(path)).toThrow(new RegExp(`^${path}: truncated file`));
    const asDir = join(dir, 'a-directory.l2ock');
    mkdirSync(asDir);
    expect(() => readCheckpointFile(asDir)).toThrow(L2oIoError);
    expect(() => readCheckpointFile(asDir)).toThrow(
      `cannot read checkpoint ${asDir}: it is a directory, not a file (EISDIR)`,
    );
    const before = tf.memory().numTensors;
    const ck2 = sample();
    const nowhere = join(dir, 'no-such-folder', 'x.l2ock');
    expect(() => writeCheckpoint(nowhere, ck2)).toThrow(
      `cannot write checkpoint ${nowhere}: no such file or directory (ENOENT)`,
    );
    expect(() => writeCheckpoint(asDir, ck2)).toThrow(`cannot write checkpoint ${asDir}: it is a directory`);
    disposeCk(ck2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('metaTrain resuming from a damaged checkpoint names the file', async () => {
    const path = join(dir, 'resume.l2ock');
    const task = tinyQuadraticTask();
    const family = { name: 'q', sample: () => task };
    const opts = { learned: tinyLearned(), family, epochs: 2, horizon: 4, unroll: 2, seed: 3, validateEvery: 1 };
    const run = await metaTrain({ ...opts, validationProblems: 1, checkpointPath: path });
    disposeMap(run.metaParams);
    disposeMap(run.lastMetaParams);
    const data = readFileSync(path);
    writeFileSync(path, data.subarray(0, 30));
    await expect(
      metaTrain({ ...opts, epochs: 3, validationProblems: 1, checkpointPath: path, resume: true }),
    ).rejects.toThrow(new RegExp(`^${path}: truncated file`));
  });

  it('metaTrain keeps its checkpoint in any store (memory here) and resumes from it to the same φ as a run without a stop', async () => {
    const task = tinyQuadraticTask();
    const family = { name: 'q', sample: () => task };
    const opts = {
      learned: tinyLearned(),
      family,
      horizon: 4,
      unroll: 2,
      seed: 5,
      validateEvery: 1,
      validationProblems: 1,
    };
    const whole = await metaTrainAnywhere({ ...opts, epochs: 3 });
    const store = memoryCheckpointStore();
    const first = await metaTrainAnywhere({ ...opts, epochs: 2, checkpointStore: store });
    disposeMap(first.metaParams);
    disposeMap(first.lastMetaParams);
    expect(store.data?.length).toBeGreaterThan(0);
    const resumed = await metaTrainAnywhere({ ...opts, epochs: 3, checkpointStore: store, resume: true });
    expect(resumed.epochsDone).toBe(3);
    for (const k of Object.keys(whole.lastMetaParams)) {
      expect(Array.from(resumed.lastMetaParams[k]!.dataSync())).toEqual(
        Array.from(whole.lastMetaParams[k]!.dataSync()),
      );
    }
    for (const r of [whole, resumed]) {
      disposeMap(r.metaParams);
      disposeMap(r.lastMetaParams);
    }
    await expect(metaTrainAnywhere({ ...opts, epochs: 1, checkpointPath: 'x.ckpt' })).rejects.toThrow(
      /checkpointPath needs file access: use metaTrain from "@l2o\/core\/node", or pass checkpointStore/,
    );
  });
});
