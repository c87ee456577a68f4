import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { initEngine } from './engine/engine.js';
import { crc32 } from './crc32.js';
import {
  BINARY_FILE_MAGIC,
  decodeContainer,
  encodeContainer,
  packBinaryFile,
  unpackBinaryFile,
} from './container-codec.js';

beforeAll(async () => {
  await initEngine('wasm');
});

function bitsOf(t: tf.Tensor): number[] {
  const d = t.dataSync();
  if (d instanceof Float32Array) return [...new Uint32Array(d.buffer, d.byteOffset, d.length)];
  return [...(d as Int32Array | Uint8Array)];
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('encodeContainer / decodeContainer', () => {
  it('round-trips nested containers bitwise', () => {
    const special = new Float32Array([NaN, -0, Infinity, -Infinity, 1e-45, 3.4028234e38, -1.5]);
    // a NaN with a non-default payload must survive too
    new Uint32Array(special.buffer)[0] = 0x7fc01234;
    const before = tf.memory().numTensors;
    const c = {
      a: tf.tensor(special, [7]),
      nested: { h: [tf.randomNormal([3, 2]), tf.zeros([0, 4])], ints: tf.tensor([1, -2, 2147483647], [3], 'int32') },
      mask: tf.tensor([true, false, true], [3], 'bool'),
      scalar: tf.scalar(0.1),
      n: 3.25,
      weird: [NaN, -0, Infinity, -Infinity],
      s: 'text',
      b: false,
      z: null,
      skipped: undefined,
      $dollar: { $tensor: 'not a tensor' },
    };
    const { json, bytes } = encodeContainer(c);
    const back = decodeContainer(JSON.parse(JSON.stringify(json)), bytes) as Record<string, unknown>;
    const at = (o: unknown, ...path: (string | number)[]): unknown =>
      path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], o);
    for (const path of [['a'], ['nested', 'h', 0], ['nested', 'h', 1], ['nested', 'ints'], ['mask'], ['scalar']]) {
      const t0 = at(c, ...path) as tf.Tensor;
      const t1 = at(back, ...path) as tf.Tensor;
      expect(t1).toBeInstanceOf(tf.Tensor);
      expect(t1.shape).toEqual(t0.shape);
      expect(t1.dtype).toBe(t0.dtype);
      expect(bitsOf(t1)).toEqual(bitsOf(t0));
    }
    expect(back['n']).toBe(3.25);
    const weird = back['weird'] as number[];
    expect(Number.isNaN(weird[0])).toBe(true);
    expect(Object.is(weird[1], -0)).toBe(true);
    expect(weird.slice(2)).toEqual([Infinity, -Infinity]);
    expect(back['s']).toBe('text');
    expect(back['b']).toBe(false);
    expect(back['z']).toBe(null);
    expect('skipped' in back).toBe(false);
    expect(back['$dollar']).toEqual({ $tensor: 'not a tensor' });
    tf.dispose([c.a, c.nested.h[0]!, c.nested.h[1]!, c.nested.ints, c.mask, c.scalar]);
    tf.dispose(back as tf.TensorContainer);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('aligns every tensor offset to 4 bytes', () => {
    const c = [
      tf.tensor([true], [1], 'bool'),
      tf.tensor([1.5]),
      tf.tensor([1, 0, 1], [3], 'bool'),
      tf.tensor([7], [1], 'int32'),
    ];
    const { json, bytes } = encodeContainer(c);
    const offsets = (json as { $tensor: { offset: number } }[]).map((r) => r.$tensor.offset);
    expect(offsets).toEqual([0, 4, 8, 12]);
    expect(bytes.length).toBe(16);
    tf.dispose(c);
  });

  it('rejects unsupported values and bad references with the location named', () => {
    const s = tf.tensor(['a'], [1], 'string');
    expect(() => encodeContainer({ x: [s] })).toThrow(/\$\.x\[0\].*dtype "string".*float32, int32, bool/);
    expect(() => encodeContainer({ f: new Float32Array(2) })).toThrow(/\$\.f.*Float32Array/);
    expect(() => encodeContainer([undefined as unknown as number])).toThrow(/\$\[0\] is undefined/);
    s.dispose();
    const before = tf.memory().numTensors;
    const ref = (o: object) => ({ $tensor: { shape: [2], dtype: 'float32', offset: 0, length: 8, ...o } });
    const bytes = new Uint8Array(8);
    expect(() => decodeContainer({ ok: ref({}), a: ref({ offset: 4 }) }, bytes)).toThrow(
      /\$\.a.*outside the 8-byte blob/,
    );
    expect(() => decodeContainer({ a: ref({ length: 4 }) }, bytes)).toThrow(/\$\.a.*length 4 does not match/);
    expect(() => decodeContainer({ a: ref({ dtype: 'float64' }) }, bytes)).toThrow(
      /dtype must be one of float32, int32, bool/,
    );
    expect(() => decodeContainer({ a: ref({ shape: [-2] }) }, bytes)).toThrow(/shape must be/);
    expect(() => decodeContainer({ $tensor: 1, b: 2 }, bytes)).toThrow(/keys starting with "\$"/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('packBinaryFile / unpackBinaryFile', () => {
  const json = { step: 12, name: 'ckpt', ünïcode: 'é' };
  const payload = Uint8Array.from({ length: 37 }, (_, i) => (i * 7) & 0xff);

  it('round-trips JSON and payload and has the documented layout', () => {
    const file = packBinaryFile(json, payload);
    expect([...file.subarray(0, 8)]).toEqual([...BINARY_FILE_MAGIC]);
    const view = new DataView(file.buffer);
    expect(view.getUint32(8, true)).toBe(1);
    const jsonLen = view.getUint32(12, true);
    expect(jsonLen).toBe(new TextEncoder().encode(JSON.stringify(json)).length);
    expect(view.getUint32(16, true)).toBe(37);
    const start = (24 + jsonLen + 3) & ~3;
    expect(file.length).toBe(start + 37 + 4);
    const back = unpackBinaryFile(file);
    expect(back.json).toEqual(json);
    expect([...back.bytes]).toEqual([...payload]);
    // empty payload
    expect(unpackBinaryFile(packBinaryFile(null, new Uint8Array(0))).bytes.length).toBe(0);
  });

  it('gives clear errors for truncated, corrupt, foreign and newer files', () => {
    const file = packBinaryFile(json, payload);
    expect(() => unpackBinaryFile(file.subarray(0, file.length - 10))).toThrow(/truncated file/);
    expect(() => unpackBinaryFile(file.subarray(0, 12))).toThrow(/truncated/);
    const flipped = file.slice();
    flipped[flipped.length - 10]! ^= 0x40;
    expect(() => unpackBinaryFile(flipped)).toThrow(/corrupt file: CRC-32/);
    expect(() => unpackBinaryFile(new TextEncoder().encode('{"not":"binary"}'))).toThrow(/not an l2o binary file/);
    const newer = file.slice();
    new DataView(newer.buffer).setUint32(8, 7, true);
    expect(() => unpackBinaryFile(newer)).toThrow(/newer l2o \(binary file version 7\).*upgrade @l2o\/core/);
  });

  it('carries an encoded container end to end', () => {
    const c = { m: tf.tensor([1, 2, 3]), t: 5 };
    const e = encodeContainer(c);
    const u = unpackBinaryFile(packBinaryFile(e.json, e.bytes));
    const back = decodeContainer(u.json, u.bytes) as { m: tf.Tensor; t: number };
    expect([...back.m.dataSync()]).toEqual([1, 2, 3]);
    expect(back.t).toBe(5);
    tf.dispose([c.m, back.m]);
  });
});
