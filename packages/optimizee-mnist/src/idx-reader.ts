import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ioError } from '@l2o/core/extend';
import { L2oError } from '@l2o/core';

/** IDX magic of an unsigned-byte array of rank 3 (MNIST images: count × rows × cols). */
export const IDX_IMAGES_MAGIC = 0x00000803;
/** IDX magic of an unsigned-byte array of rank 1 (MNIST labels: count). */
export const IDX_LABELS_MAGIC = 0x00000801;

/** What an IDX file is expected to hold: `images` (magic 0x00000803) or `labels` (magic 0x00000801). */
export type IdxKind = 'images' | 'labels';

/** A decoded unsigned-byte IDX array: its dimensions and its data, row-major. */
export interface IdxArray {
  readonly dims: readonly number[];
  /** `dims.reduce(×)` bytes; a view into the file's bytes (not a copy). */
  readonly data: Uint8Array;
}

const MAGIC: Record<IdxKind, number> = { images: IDX_IMAGES_MAGIC, labels: IDX_LABELS_MAGIC };

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

/**
 * Decodes an unsigned-byte IDX file: a big-endian uint32 magic (0x000008NN, NN = rank), NN big-endian uint32
 * dimensions, then the data. `source` names the file in error messages. With `kind`, the magic must be that
 * kind's. Truncated files, trailing bytes, wrong magics and other element types are errors.
 */
export function parseIdx(bytes: Uint8Array, source: string, kind?: IdxKind): IdxArray {
  if (bytes.length < 4) {
    throw new L2oError(
      'INVALID_DATA',
      `${source}: not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (kind !== undefined && magic !== MAGIC[kind]) {
    throw new L2oError(
      'INVALID_DATA',
      `${source}: wrong IDX magic ${hex(magic)}; expected ${hex(MAGIC[kind])} (${kind}: unsigned bytes of rank ${
        MAGIC[kind] & 0xff
      })`,
    );
  }
  if (magic >>> 16 !== 0)
    throw new L2oError('INVALID_DATA', `${source}: wrong IDX magic ${hex(magic)}; the first two bytes must be 0`);
  const type = (magic >>> 8) & 0xff;
  if (type !== 0x08) {
    throw new L2oError(
      'UNSUPPORTED',
      `${source}: IDX element type 0x${type.toString(16)} is not supported; allowed values: 0x08 (unsigned byte)`,
    );
  }
  const rank = magic & 0xff;
  if (rank < 1) throw new L2oError('INVALID_OPTION', `${source}: IDX rank must be at least 1, got ${rank}`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new L2oError(
      'INVALID_DATA',
      `${source}: truncated IDX header: ${bytes.length} bytes, need ${headerBytes} for rank ${rank}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerBytes;
  if (have < count) {
    throw new L2oError(
      'INVALID_DATA',
      `${source}: truncated IDX data: dims [${dims.join(', ')}] need ${count} bytes after the header, found ${have}`,
    );
  }
  if (have > count) {
    throw new L2oError(
      'INVALID_DATA',
      `${source}: IDX length mismatch: dims [${dims.join(', ')}] need ${count} bytes after the header, found ${have}`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** True when `bytes` start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads and decodes an unsigned-byte IDX file from disk (see {@link parseIdx}), gzipped or not: a file that
 * starts with the gzip magic (1f 8b, as the distributed `*.gz` files do) is decompressed first, whatever its
 * name. A file that cannot be read is an `L2oIoError` naming it; a damaged gzip stream or IDX content is an
 * error naming the file (and the expected magic, with `kind`).
 */
export function readIdxFile(path: string, kind?: IdxKind): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw ioError('read IDX file', path, e);
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new L2oError(
        'INVALID_DATA',
        `${path}: not a valid gzip file: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    return parseIdx(bytes, `${path} (gunzipped)`, kind);
  }
  return parseIdx(bytes, path, kind);
}

/** Encodes an unsigned-byte IDX array (the inverse of {@link parseIdx}); for fixtures and tools. */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const count = dims.reduce((a, b) => a * b, 1);
  if (!dims.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) {
    throw new L2oError(
      'INVALID_OPTION',
      `encodeIdx: dims must be non-negative 32-bit integers, got [${dims.join(', ')}]`,
    );
  }
  if (dims.length < 1 || dims.length > 255)
    throw new L2oError('INVALID_OPTION', `encodeIdx: rank must be 1…255, got ${dims.length}`);
  if (data.length !== count)
    throw new L2oError(
      'SHAPE_MISMATCH',
      `encodeIdx: data has ${data.length} bytes, dims [${dims.join(', ')}] need ${count}`,
    );
  const out = new Uint8Array(4 + 4 * dims.length + count);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x00000800 | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
