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
  checkMetaParamsFit,
  decodeArtifact,
  encodeArtifact,
  type ArtifactInput,
} from './serialization.js';
import { L2oIoError } from './io-error.js';
import { loadArtifact, loadLearnedArtifact, saveArtifact } from './node.js';
import { tinyGradientOnly, tinyLearned } from './test-fixtures.js';
import type { JsonObject, LearnedOptimizer, TensorMap } from './types.js';

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

  it('refuses weight entries whose byte ranges overlap, or that leave bytes over', () => {
    const inp = input();
    const { manifest, weights } = encodeArtifact(inp);
    tf.dispose(Object.values(inp.metaParams));
    const m = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
    // Without the binding (as in artifacts written before it existed), so that the range checks alone are tested.
    delete m['binding'];
    const ws = (m['weights'] as Record<string, unknown>[]).map((w) => ({ ...w }));
    // layer0/wx pointed at layer0/b's bytes: same length, same file, same SHA-256 — it used to load b's values.
    ws[1] = { ...ws[1], offset: 0 };
    expect(() => decodeArtifact({ ...m, weights: ws }, weights)).toThrow(
      /"layer0\/wx" \(bytes 0…16\) overlaps "layer0\/b" \(bytes 0…16\); entries must cover disjoint byte ranges/,
    );
    ws[1] = { ...ws[1], offset: 8 };
    expect(() => decodeArtifact({ ...m, weights: ws }, weights)).toThrow(/overlaps/);
    // An entry past the end of the file, and bytes no entry describes.
    ws[1] = { ...ws[1], offset: 36 };
    expect(() => decodeArtifact({ ...m, weights: ws }, weights)).toThrow(/corrupt weights.*36 bytes.*52/);
    const longer = new Uint8Array(40);
    longer.set(weights);
    expect(() => decodeArtifact(manifest, longer)).toThrow(/corrupt weights.*40 bytes.*36/);
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

  it('I/O errors are L2oIoErrors naming the artifact folder', () => {
    const missing = join(root, 'missing');
    expect(() => loadArtifact(missing)).toThrow(L2oIoError);
    const file = join(root, 'file');
    writeFileSync(file, 'x');
    expect(() => loadArtifact(file)).toThrow(`cannot load learned optimizer ${file}: not a directory`);
  });

  it('keeps L2O_CORE_VERSION equal to the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(L2O_CORE_VERSION).toBe(pkg.version);
  });
});

describe('checkMetaParamsFit / loadLearnedArtifact: a manifest is bound to its kind', () => {
  const kinds: Record<string, (config: JsonObject) => LearnedOptimizer> = {
    tiny: () => tinyLearned() as unknown as LearnedOptimizer,
    sign: (c) => tinyGradientOnly('sign', Number(c['a'])) as unknown as LearnedOptimizer,
  };
  const build = (kind: string, config: JsonObject): LearnedOptimizer => {
    const make = kinds[kind];
    if (!make) throw new Error(`unknown kind ${kind}`);
    return make(config);
  };

  function saveSign(dir: string): void {
    const learned = tinyGradientOnly('sign', 0.1);
    const phi = learned.initMetaParams(undefined as never);
    saveArtifact(dir, { kind: learned.kind, name: learned.name, config: learned.config, metaParams: phi });
    tf.dispose(Object.values(phi));
  }

  it('loads an artifact whose weights are exactly its architecture', () => {
    const dir = join(root, 'sign');
    saveSign(dir);
    const before = tf.memory().numTensors;
    const { learned, metaParams, manifest } = loadLearnedArtifact(dir, build);
    expect([learned.kind, manifest.kind, Object.keys(metaParams).sort()]).toEqual(['sign', 'sign', ['a', 'b', 'd']]);
    tf.dispose(Object.values(metaParams));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a manifest whose kind was changed to another architecture's, naming both kinds", () => {
    const dir = join(root, 'sign');
    saveSign(dir);
    const path = join(dir, 'manifest.json');
    const m = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...m, kind: 'tiny' }));
    const before = tf.memory().numTensors;
    expect(() => loadLearnedArtifact(dir, build)).toThrow(
      `${dir}: field "kind" says "tiny", but the artifact was saved as kind "sign" (its weights are "sign" weights)`,
    );
    // Even where the two architectures have the same meta-parameters (LSTM and LSTM+GAC do), the binding tells.
    writeFileSync(path, JSON.stringify({ ...m, config: { a: 0.2 } }));
    expect(() => loadLearnedArtifact(dir, build)).toThrow(/the manifest was changed after saving: its "config"/);
    // Without a binding (an artifact from before it existed) the weights must still fit the architecture.
    const { binding: _, ...unbound } = m;
    writeFileSync(path, JSON.stringify({ ...unbound, kind: 'tiny' }));
    expect(() => loadLearnedArtifact(dir, build)).toThrow(
      `${dir}: the weights do not belong to kind "tiny" (tiny) with this config: missing "c"`,
    );
    writeFileSync(path, JSON.stringify(unbound));
    const ok = loadLearnedArtifact(dir, build);
    tf.dispose(Object.values(ok.metaParams));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses weights of the wrong shape or names, and a config that rebuilds another kind', () => {
    const learned = tinyGradientOnly('sign', 0.1) as unknown as LearnedOptimizer;
    const ok = { a: tf.scalar(1), b: tf.scalar(1), d: tf.scalar(1) };
    expect(() => checkMetaParamsFit(learned, ok, 'sign', 'src')).not.toThrow();
    const wrongShape = { ...ok, b: tf.zeros([2]) };
    expect(() => checkMetaParamsFit(learned, wrongShape, 'sign', 'src')).toThrow(
      'src: the weights do not belong to kind "sign" (sign) with this config: "b" has shape [2] where kind "sign" needs []',
    );
    const extra = { ...ok, z: tf.scalar(0) };
    expect(() => checkMetaParamsFit(learned, extra, 'sign', 'src')).toThrow(/unexpected "z"/);
    expect(() => checkMetaParamsFit(learned, ok, 'lstm', 'src')).toThrow(
      'src: saved as kind "lstm", but its config rebuilds a learned optimizer of kind "sign"',
    );
    tf.dispose([...Object.values(ok), wrongShape.b, extra.z]);
  });
});
