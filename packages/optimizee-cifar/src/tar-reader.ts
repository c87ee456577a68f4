import { L2oError } from '@l2o/core';
/** One regular file of a tar archive. `data` is a view into the archive's bytes. */
export interface TarEntry {
  readonly path: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;

function text(bytes: Uint8Array, from: number, length: number): string {
  let end = from;
  while (end < from + length && bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(from, end)).toString('utf8');
}

/** A numeric header field: octal ASCII (space/NUL terminated), or GNU base-256 when the high bit is set. */
function number(bytes: Uint8Array, from: number, length: number, field: string, offset: number): number {
  if (bytes[from]! & 0x80) {
    let v = bytes[from]! & 0x7f;
    for (let i = 1; i < length; i++) v = v * 256 + bytes[from + i]!;
    return v;
  }
  const s = text(bytes, from, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s))
    throw new L2oError(
      'INVALID_DATA',
      `tar: header at byte ${offset} has a bad ${field} field ${JSON.stringify(s)} (expected octal digits)`,
    );
  return parseInt(s, 8);
}

/** The value of `path` in a pax extended header, if any. */
function paxPath(data: Uint8Array): string | undefined {
  const s = Buffer.from(data).toString('utf8');
  let i = 0;
  let path: string | undefined;
  while (i < s.length) {
    const sp = s.indexOf(' ', i);
    if (sp < 0) break;
    const len = parseInt(s.slice(i, sp), 10);
    if (!(len > 0)) break;
    const record = s.slice(sp + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    i += len;
  }
  return path;
}

/**
 * The regular files of an uncompressed tar archive (ustar, with GNU long names and pax `path` records), in
 * archive order. Checks every header's checksum; throws on truncation. Directories, links and other entry types
 * are skipped.
 */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const stored = number(bytes, offset + 148, 8, 'checksum', offset);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
    if (sum !== stored)
      throw new L2oError(
        'INVALID_DATA',
        `tar: header at byte ${offset} has checksum ${stored}, computed ${sum}: not a tar archive or corrupted`,
      );
    const size = number(bytes, offset + 124, 12, 'size', offset);
    const type = String.fromCharCode(header[156]! || 0x30);
    const magic = text(bytes, offset + 257, 6);
    const prefix = magic === 'ustar' ? text(bytes, offset + 345, 155) : '';
    const name = text(bytes, offset + 0, 100);
    const start = offset + BLOCK;
    const end = start + size;
    if (end > bytes.length)
      throw new L2oError(
        'INVALID_DATA',
        `tar: entry "${name}" at byte ${offset} needs ${size} bytes, the archive ends first (truncated)`,
      );
    const data = bytes.subarray(start, end);
    if (type === 'L') {
      longName = text(data, 0, data.length);
    } else if (type === 'x') {
      longName = paxPath(data) ?? longName;
    } else if (type === 'g') {
      // global pax header: nothing this reader needs
    } else {
      if (type === '0' || type === '7') out.push({ path: longName ?? (prefix ? `${prefix}/${name}` : name), data });
      longName = undefined;
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return out;
}
