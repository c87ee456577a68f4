import * as tf from '@tensorflow/tfjs';
import { crc32 } from './crc32.js';
import type { JsonObject, JsonValue } from './types.js';
import { L2oError } from './l2o-error.js';

/**
 * Encoding of a `tf.TensorContainer` (nested objects/arrays of tensors, numbers, strings, booleans, null)
 * as JSON plus one binary blob, and a single-file framing of (JSON, blob) for checkpoints.
 *
 * JSON form of each node:
 * - a tensor → `{"$tensor": {"shape": [...], "dtype": "float32"|"int32"|"bool", "offset": B, "length": L}}`,
 *   its elements little-endian at bytes [offset, offset + length) of the blob (4 bytes per float32/int32
 *   element, 1 byte (0/1) per bool); offsets are multiples of 4;
 * - a number that JSON cannot hold (NaN, ±Infinity, −0) → `{"$number": "NaN"|"Infinity"|"-Infinity"|"-0"}`;
 * - a plain object with any key starting with `$` → `{"$object": {...}}` (so it cannot be mistaken for the above);
 * - other numbers, strings, booleans, null, arrays and objects → themselves.
 * Object properties whose value is `undefined` are dropped (as `JSON.stringify` does).
 */

/**
 * What {@link encodeContainer} accepts and {@link decodeContainer} returns: a `tf.TensorContainer`, where also
 * `null` may appear (tfjs's type omits it). Cast the decoded value to your state type (`as MyState`).
 */
export type ContainerValue = tf.TensorContainer | null | ContainerValue[] | { [key: string]: ContainerValue };

const DTYPES = ['float32', 'int32', 'bool'] as const;
type CodecDtype = (typeof DTYPES)[number];

/** Whether this platform stores multi-byte numbers little-endian (internal; shared with serialization.ts). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function align4(n: number): number {
  return (n + 3) & ~3;
}

function bytesPerElement(dtype: CodecDtype): number {
  return dtype === 'bool' ? 1 : 4;
}

/** Reverses the byte order of each 4-byte group of `b` in place (internal; shared with serialization.ts). */
export function swap4InPlace(b: Uint8Array): void {
  for (let i = 0; i + 3 < b.length; i += 4) {
    const a0 = b[i]!;
    const a1 = b[i + 1]!;
    b[i] = b[i + 3]!;
    b[i + 1] = b[i + 2]!;
    b[i + 2] = a1;
    b[i + 3] = a0;
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

/** Encodes a tensor container as JSON plus a binary blob. Reads tensor data synchronously; disposes nothing. */
export function encodeContainer(c: ContainerValue): { json: JsonValue; bytes: Uint8Array } {
  const chunks: { offset: number; data: Uint8Array }[] = [];
  let size = 0;

  const encodeTensor = (t: tf.Tensor, path: string): JsonValue => {
    if (t.isDisposed) throw new L2oError('INVALID_STATE', `encodeContainer: tensor at ${path} is disposed`);
    const dtype = t.dtype as string;
    if (!(DTYPES as readonly string[]).includes(dtype)) {
      throw new L2oError(
        'UNSUPPORTED',
        `encodeContainer: tensor at ${path} has dtype "${dtype}"; allowed dtypes: ${DTYPES.join(', ')}`,
      );
    }
    const d = dtype as CodecDtype;
    const values = t.dataSync();
    let data: Uint8Array;
    if (d === 'bool') {
      data = new Uint8Array(t.size);
      for (let i = 0; i < t.size; i++) data[i] = values[i] ? 1 : 0;
    } else {
      const typed = values as Float32Array | Int32Array;
      data = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength).slice();
      if (!LITTLE_ENDIAN) swap4InPlace(data);
    }
    const offset = size;
    chunks.push({ offset, data });
    size = align4(offset + data.length);
    return { $tensor: { shape: [...t.shape], dtype: d, offset, length: data.length } };
  };

  const walk = (v: unknown, path: string): JsonValue => {
    if (v instanceof tf.Tensor) return encodeTensor(v, path);
    if (v === null) return null;
    if (typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $number: 'NaN' };
      if (v === Infinity) return { $number: 'Infinity' };
      if (v === -Infinity) return { $number: '-Infinity' };
      if (Object.is(v, -0)) return { $number: '-0' };
      return v;
    }
    if (Array.isArray(v)) {
      return v.map((x, i) => {
        if (x === undefined)
          throw new L2oError('INVALID_OPTION', `encodeContainer: ${path}[${i}] is undefined; use null`);
        return walk(x, `${path}[${i}]`);
      });
    }
    if (isPlainObject(v)) {
      const out: JsonObject = {};
      let needsEscape = false;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        if (k.startsWith('$')) needsEscape = true;
        out[k] = walk(x, `${path}.${k}`);
      }
      return needsEscape ? { $object: out } : out;
    }
    throw new L2oError(
      'UNSUPPORTED',
      `encodeContainer: unsupported value at ${path} (${typeName(v)}); allowed: tensors (${DTYPES.join(', ')}), ` +
        'numbers, strings, booleans, null, arrays and plain objects of these',
    );
  };

  if (c === undefined) throw new L2oError('INVALID_OPTION', 'encodeContainer: the container is undefined; use null');
  const json = walk(c, '$');
  const bytes = new Uint8Array(size);
  for (const { offset, data } of chunks) bytes.set(data, offset);
  return { json, bytes };
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Inverse of {@link encodeContainer}. The caller owns the returned tensors. Validates every reference. */
export function decodeContainer(json: JsonValue, bytes: Uint8Array): ContainerValue {
  const created: tf.Tensor[] = [];

  const decodeTensor = (ref: unknown, path: string): tf.Tensor => {
    const bad = (what: string): never => {
      throw new L2oError('INVALID_DATA', `decodeContainer: tensor reference at ${path}: ${what}`);
    };
    if (!isPlainObject(ref)) return bad('must be an object {shape, dtype, offset, length}');
    const { shape, dtype, offset, length } = ref;
    if (!Array.isArray(shape) || !shape.every(isNonNegInt))
      return bad('shape must be an array of non-negative integers');
    if (typeof dtype !== 'string' || !(DTYPES as readonly string[]).includes(dtype)) {
      return bad(`dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(dtype)}`);
    }
    if (!isNonNegInt(offset)) return bad('offset must be a non-negative integer');
    if (!isNonNegInt(length)) return bad('length must be a non-negative integer');
    const d = dtype as CodecDtype;
    const n = (shape as number[]).reduce((a, b) => a * b, 1);
    if (length !== n * bytesPerElement(d)) {
      return bad(
        `length ${length} does not match shape [${shape.join(',')}] of ${d} (${n * bytesPerElement(d)} bytes)`,
      );
    }
    if (offset + length > bytes.length) {
      return bad(
        `bytes [${offset}, ${offset + length}) lie outside the ${bytes.length}-byte blob (corrupt or truncated)`,
      );
    }
    // A copy into a fresh Uint8Array: `bytes` may be a Node Buffer whose slice() is a view into a shared pool.
    const raw = Uint8Array.prototype.slice.call(bytes, offset, offset + length);
    let t: tf.Tensor;
    if (d === 'bool') {
      t = tf.tensor(raw, shape as number[], 'bool');
    } else {
      if (!LITTLE_ENDIAN) swap4InPlace(raw);
      const values = d === 'float32' ? new Float32Array(raw.buffer, 0, n) : new Int32Array(raw.buffer, 0, n);
      t = tf.tensor(values, shape as number[], d);
    }
    created.push(t);
    return t;
  };

  const walk = (v: unknown, path: string): ContainerValue => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return v;
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`));
    if (isPlainObject(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === '$tensor') return decodeTensor(v['$tensor'], path);
      if (keys.length === 1 && keys[0] === '$number') {
        const s = v['$number'];
        const table: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };
        if (typeof s !== 'string' || !(s in table)) {
          throw new L2oError(
            'INVALID_DATA',
            `decodeContainer: ${path}.$number must be one of NaN, Infinity, -Infinity, -0`,
          );
        }
        return table[s]!;
      }
      let inner: Record<string, unknown> = v;
      if (keys.length === 1 && keys[0] === '$object') {
        const o = v['$object'];
        if (!isPlainObject(o)) throw new L2oError('INVALID_DATA', `decodeContainer: ${path}.$object must be an object`);
        inner = o;
      } else if (keys.some((k) => k.startsWith('$'))) {
        throw new L2oError(
          'INVALID_DATA',
          `decodeContainer: ${path} has keys [${keys.join(', ')}]; keys starting with "$" are only allowed as a ` +
            'single $tensor, $number or $object tag',
        );
      }
      const out: { [key: string]: ContainerValue } = {};
      for (const [k, x] of Object.entries(inner)) out[k] = walk(x, `${path}.${k}`);
      return out;
    }
    throw new L2oError('INVALID_DATA', `decodeContainer: unsupported JSON value at ${path} (${typeName(v)})`);
  };

  try {
    return walk(json, '$');
  } catch (e) {
    tf.dispose(created);
    throw e;
  }
}

/** 8-byte magic of {@link packBinaryFile}: PNG-style, so text-mode transfers and truncation are detectable. */
export const BINARY_FILE_MAGIC = Uint8Array.of(0x89, 0x4c, 0x32, 0x4f, 0x0d, 0x0a, 0x1a, 0x0a); // \x89 L 2 O \r \n \x1a \n
/** Version of the single-file framing written by {@link packBinaryFile}. */
export const BINARY_FILE_VERSION = 1;
const HEADER_BYTES = 24;
const TRAILER_BYTES = 4;

/**
 * Frames JSON and a payload into one file:
 * ```
 * offset  size  field
 * 0       8     magic 89 4C 32 4F 0D 0A 1A 0A ("\x89L2O\r\n\x1a\n")
 * 8       4     format version (uint32 LE) = 1
 * 12      4     JSON byte length J (uint32 LE)
 * 16      8     payload byte length P (uint64 LE)
 * 24      J     JSON, UTF-8
 * 24+J    0–3   zero padding to a multiple of 4
 * A       P     payload (A = align4(24 + J))
 * A+P     4     CRC-32 (uint32 LE) of every preceding byte
 * ```
 */
export function packBinaryFile(json: JsonValue, bytes: Uint8Array): Uint8Array {
  const text = JSON.stringify(json);
  if (text === undefined) throw new L2oError('INVALID_OPTION', 'packBinaryFile: json is not serialisable');
  const jsonBytes = new TextEncoder().encode(text);
  const payloadStart = align4(HEADER_BYTES + jsonBytes.length);
  const total = payloadStart + bytes.length + TRAILER_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(BINARY_FILE_MAGIC, 0);
  view.setUint32(8, BINARY_FILE_VERSION, true);
  view.setUint32(12, jsonBytes.length, true);
  view.setUint32(16, bytes.length % 4294967296, true);
  view.setUint32(20, Math.floor(bytes.length / 4294967296), true);
  out.set(jsonBytes, HEADER_BYTES);
  out.set(bytes, payloadStart);
  view.setUint32(total - TRAILER_BYTES, crc32(out, 0, total - TRAILER_BYTES), true);
  return out;
}

/** Inverse of {@link packBinaryFile}, with a clear error for a file that is not one, is newer, truncated or corrupt. */
export function unpackBinaryFile(data: Uint8Array): { json: JsonValue; bytes: Uint8Array } {
  const where = 'unpackBinaryFile';
  if (data.length < 8 || BINARY_FILE_MAGIC.some((b, i) => data[i] !== b)) {
    throw new L2oError('INVALID_DATA', `${where}: not an l2o binary file (the first 8 bytes are not the l2o magic)`);
  }
  if (data.length < HEADER_BYTES + TRAILER_BYTES) {
    throw new L2oError(
      'INVALID_DATA',
      `${where}: truncated file: ${data.length} bytes, shorter than the ${HEADER_BYTES}-byte header`,
    );
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = view.getUint32(8, true);
  if (version > BINARY_FILE_VERSION) {
    throw new L2oError(
      'INCOMPATIBLE',
      `${where}: written by a newer l2o (binary file version ${version}); this l2o reads up to ` +
        `${BINARY_FILE_VERSION} — upgrade @l2o/core`,
    );
  }
  if (version < 1)
    throw new L2oError('INVALID_DATA', `${where}: corrupt file: binary file version ${version} is not valid`);
  const jsonLength = view.getUint32(12, true);
  const payloadLength = view.getUint32(16, true) + view.getUint32(20, true) * 4294967296;
  const payloadStart = align4(HEADER_BYTES + jsonLength);
  const expected = payloadStart + payloadLength + TRAILER_BYTES;
  if (data.length !== expected) {
    throw new L2oError(
      'INVALID_DATA',
      `${where}: ${data.length < expected ? 'truncated' : 'corrupt'} file: ${data.length} bytes, the header ` +
        `announces ${expected} (JSON ${jsonLength} + payload ${payloadLength} bytes)`,
    );
  }
  const stored = view.getUint32(expected - TRAILER_BYTES, true);
  const actual = crc32(data, 0, expected - TRAILER_BYTES);
  if (stored !== actual) {
    throw new L2oError(
      'CHECKSUM_MISMATCH',
      `${where}: corrupt file: CRC-32 is ${actual.toString(16).padStart(8, '0')}, the file records ` +
        stored.toString(16).padStart(8, '0'),
    );
  }
  let json: JsonValue;
  try {
    json = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(HEADER_BYTES, HEADER_BYTES + jsonLength)),
    ) as JsonValue;
  } catch (e) {
    throw new L2oError(
      'INVALID_DATA',
      `${where}: corrupt file: invalid JSON header (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
  return { json, bytes: Uint8Array.prototype.slice.call(data, payloadStart, payloadStart + payloadLength) };
}
