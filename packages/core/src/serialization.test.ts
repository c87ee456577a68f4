import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from './engine/engine.js';
import {
  ARTIFACT_FORMAT,
  ARTIFACT_FORMAT_VERSION,
  L2O_CORE_VERSION,
  decodeArtifact,
  encodeArtifact,
  loadArtifact,
  saveArtifact,
  type ArtifactInput,
} from './serialization.js';
import type { TensorMap } from './types.js';

let root: string;
beforeAll(async () => {
  await initEngine('wasm');
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'l2o-artifact-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function bits(t: tf.Tensor): number[] {
  const d = t.dataSync() as Float32Array;
  return [...new Uint32Array(d.buffer, d.byteOffset, d.length)];
}

function input(): ArtifactInput {
  return {
    kind: 'lstm',
    name: 'lstm(2)',
    config: { hiddenSizes: [2], p: 10 },
    metaParams: {
      'layer0/wx': tf.tensor([[1.5, -2, 1e-30, NaN]]),
      'layer0/b': tf.tensor([0, 1, -0, Math.PI]),
      scalar: tf.scalar(0.1),
    },
    training: { epochs: 3, results: { loss: 0.25 } },
  };
}

describe('encodeArtifact / decodeArtifact', () => {
  it('writes the documented manifest and round-trips φ bitwise', () => {
    const inp = input();
    const { manifest, weights } = encodeArtifact(inp);
    expect(manifest.format).toBe(ARTIFACT_FORMAT);
    expect(manifest.formatVersion).toBe(ARTIFACT_FORMAT_VERSION);
    expect(manifest.weights.map((w) => [w.name, w.offset, w.length])).toEqual([
      ['layer0/b', 0, 16],
      ['layer0/wx', 16, 16],
      ['scalar', 32, 4],
    ]);
    expect(weights.length).toBe(36);
    expect(manifest.weightsSha256).toBe(createHash('sha256').update(weights).digest('hex'));
    expect(manifest.library).toEqual({ name: '@l2o/core', version: L2O_CORE_VERSION });
    expect(Number.isNaN(Date.parse(manifest.createdAt))).toBe(false);
    const before = tf.memory().numTensors;
    const back = decodeArtifact(JSON.parse(JSON.stringify(manifest)), weights);
    expect(back.manifest).toEqual(manifest);
    for (const k of Object.keys(inp.metaParams)) {
      expect(back.metaParams[k]!.shape).toEqual(inp.metaParams[k]!.shape);
      expect(bits(back.metaParams[k]!)).toEqual(bits(inp.metaParams[k]!));
    }
    tf.dispose(Object.values(back.metaParams));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(inp.metaParams));
  });

  it('names the field of every invalid manifest', () => {
    const inp = input();
    const { manifest, weights } = encodeArtifact(inp);
    tf.dispose(Object.values(inp.metaParams));
    const m = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>): unknown => ({ ...m, ...patch });
    expect(() => decodeArtifact(bad({ format: 'something-else' }), weights)).toThrow(
      /field "format".*l2o-learned-optimizer/,
    );
    expect(() => decodeArtifact(bad({ formatVersion: 999 }), weights)).toThrow(
      'written by a newer l2o (format version 999); this l2o reads up to 1 — upgrade @l2o/core',
    );
    expect(() => decodeArtifact(bad({ formatVersion: '1' }), weights)).toThrow(
      /"formatVersion" must be a positive integer/,
    );
    expect(() => decodeArtifact(bad({ kind: undefined }), weights)).toThrow(/"kind" must be a non-empty string/);
    expect(() => decodeArtifact(bad({ config: [] }), weights)).toThrow(/"config" must be a JSON object/);
    expect(() => decodeArtifact(bad({ library: { name: 1 } }), weights)).toThrow(/"library"/);
    expect(() => decodeArtifact(bad({ weightsSha256: 'abc' }), weights)).toThrow(/"weightsSha256"/);
    const ws = (m['weights'] as Record<string, unknown>[]).map((w) => ({ ...w }));
    ws[1] = { ...ws[1], dtype: 'float64' };
    expect(() => decodeArtifact(bad({ weights: ws }), weights)).toThrow(
      /"weights\[1\]\.dtype" \(layer0\/wx\) must be "float32"/,
    );
    ws[1] = { ...ws[1], dtype: 'float32', length: 12 };
    expect(() => decodeArtifact(bad({ weights: ws }), weights)).toThrow(/"weights\[1\]\.length"/);
    expect(() => decodeArtifact('nope', weights)).toThrow(/must be a JSON object/);
  });

  it('detects truncated or corrupt weights', () => {
    const inp = input();
    const { manifest, weights } = encodeArtifact(inp);
    tf.dispose(Object.values(inp.metaParams));
    expect(() => decodeArtifact(manifest, weights.subarray(0, 30))).toThrow(/corrupt weights.*30 bytes.*36.*truncated/);
    const flipped = weights.slice();
    flipped[5]! ^= 1;
    expect(() => decodeArtifact(manifest, flipped)).toThrow(/corrupt weights: SHA-256/);
  });

  it('rejects non-float32 meta-parameters and non-JSON config', () => {
    const t = tf.tensor([1], [1], 'int32');
    expect(() => encodeArtifact({ kind: 'k', name: 'n', config: {}, metaParams: { a: t } })).toThrow(
      /"a".*dtype "int32".*float32/,
    );
    expect(() => encodeArtifact({ kind: 'k', name: 'n', config: { x: NaN }, metaParams: {} })).toThrow(
      /config\.x.*finite/,
    );
    t.dispose();
  });
});

describe('saveArtifact / loadArtifact', () => {
  it('round-trips through a directory', () => {
    const inp = input();
    const dir = join(root, 'opt');
    const saved = saveArtifact(dir, inp);
    expect(readdirSync(dir).sort()).toEqual(['manifest.json', 'weights.bin']);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toEqual(saved);
    const { manifest, metaParams } = loadArtifact(dir);
    expect(manifest).toEqual(saved);
    for (const k of Object.keys(inp.metaParams)) expect(bits(metaParams[k]!)).toEqual(bits(inp.metaParams[k]!));
    // saving again replaces it
    const other: TensorMap = { x: tf.scalar(2) };
    saveArtifact(dir, { kind: 'lstm', name: 'x', config: {}, metaParams: other });
    const again = loadArtifact(dir);
    expect(Object.keys(again.metaParams)).toEqual(['x']);
    tf.dispose([...Object.values(inp.metaParams), ...Object.values(metaParams), other['x']!, again.metaParams['x']!]);
  });

  it('gives clear errors that name the path', () => {
    const missing = join(root, 'missing');
    expect(() => loadArtifact(missing)).toThrow(new RegExp(`${missing}.*does not exist`));
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(() => loadArtifact(empty)).toThrow(/manifest\.json is missing/);
    writeFileSync(join(empty, 'manifest.json'), '{ not json');
    expect(() => loadArtifact(empty)).toThrow(new RegExp(`invalid JSON in ${join(empty, 'manifest.json')}`));
    const inp = input();
    const dir = join(root, 'opt');
    saveArtifact(dir, inp);
    tf.dispose(Object.values(inp.metaParams));
    const w = readFileSync(join(dir, 'weights.bin'));
    w[0]! ^= 0xff;
    writeFileSync(join(dir, 'weights.bin'), w);
    expect(() => loadArtifact(dir)).toThrow(/corrupt weights: SHA-256/);
    rmSync(join(dir, 'weights.bin'));
    expect(() => loadArtifact(dir)).toThrow(/weights\.bin is missing/);
  });

  it('keeps L2O_CORE_VERSION equal to the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(L2O_CORE_VERSION).toBe(pkg.version);
  });
});
