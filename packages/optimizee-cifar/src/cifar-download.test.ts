import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, loadCifar10Split } from './cifar-binary.js';
import {
  CIFAR10_BINARY_MD5,
  CIFAR10_BINARY_URL,
  downloadCifar10,
  extractCifar10Archive,
  verifyChecksum,
} from './cifar-download.js';
import { L2oError } from '@l2o/core';

/** A ustar archive written byte by byte (the test's own writer, independent of the reader, tar-stream). */
function tar(entries: { path: string; data: Uint8Array; type?: string }[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const e of entries) {
    const h = new Uint8Array(512);
    const put = (s: string, at: number): void => h.set(Buffer.from(s, 'utf8'), at);
    let name = e.path;
    let prefix = '';
    if (name.length > 100) {
      const cut = name.lastIndexOf('/', name.length - 1);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    put(name, 0);
    put('0000644\0', 100);
    put('0000000\0', 108);
    put('0000000\0', 116);
    put(`${e.data.length.toString(8).padStart(11, '0')}\0`, 124);
    put('00000000000\0', 136);
    put(e.type ?? '0', 156);
    put('ustar\0', 257);
    put('00', 263);
    put(prefix, 345);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h);
    const body = new Uint8Array(Math.ceil(e.data.length / 512) * 512);
    body.set(e.data);
    blocks.push(body);
  }
  blocks.push(new Uint8Array(1024));
  return new Uint8Array(Buffer.concat(blocks));
}

function records(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n * 3073);
  for (let r = 0; r < n; r++) {
    b[r * 3073] = (r + seed) % 10;
    for (let i = 1; i < 3073; i++) b[r * 3073 + i] = (i + seed) % 256;
  }
  return b;
}

function cifarTarGz(): Uint8Array {
  const files = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((f, i) => ({
    path: `cifar-10-batches-bin/${f}`,
    data: records(2, i),
  }));
  return gzipSync(
    tar([
      { path: 'cifar-10-batches-bin/', data: new Uint8Array(0), type: '5' },
      { path: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from('airplane\n') },
      ...files,
    ]),
  );
}

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cifar-dl-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The batch files a CIFAR-10 tar holds, two records each, at `folder`. */
function batchEntries(folder = 'cifar-10-batches-bin/'): { path: string; data: Uint8Array }[] {
  return [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((f, i) => ({ path: `${folder}${f}`, data: records(2, i) }));
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

async function failure(p: Promise<unknown>): Promise<L2oError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(L2oError);
    return e as L2oError;
  }
  throw new Error('expected a rejection');
}

describe('streamed tar.gz reading (tar-stream)', () => {
  it('reads regular files (long paths via the ustar prefix), skips directories and other files', async () => {
    const long = `${'d'.repeat(120)}/`;
    const gz = gzipSync(
      tar([
        { path: 'dir/', data: new Uint8Array(0), type: '5' },
        { path: 'a.txt', data: Buffer.from('hello') },
        ...batchEntries(long),
      ]),
    );
    const dest = tmp();
    const out = await extractCifar10Archive(gz, dest, { checksum: { algorithm: 'md5', value: md5(gz) } });
    expect(new Uint8Array(readFileSync(join(out, 'test_batch.bin')))).toEqual(records(2, 5));
    expect(readdirSync(dest)).toEqual(['cifar-10-batches-bin']); // the staging folder is gone
  });

  it('a damaged tar header or a truncated archive is an INVALID_DATA error naming the archive', async () => {
    const bytes = tar(batchEntries());
    const bad = new Uint8Array(bytes);
    const second = 512 + Math.ceil(6146 / 512) * 512; // after the first header and its two records
    bad[second + 3] = bad[second + 3]! ^ 1; // a byte of the second header's name
    const badGz = gzipSync(bad);
    const e1 = await failure(
      extractCifar10Archive(badGz, tmp(), { checksum: { algorithm: 'md5', value: md5(badGz) }, source: 'x.tar.gz' }),
    );
    expect([e1.code, e1.message]).toEqual([
      'INVALID_DATA',
      expect.stringMatching(/^x\.tar\.gz: not a valid tar archive \(/),
    ]);
    const cut = gzipSync(bytes.subarray(0, 512 * 4));
    const e2 = await failure(extractCifar10Archive(cut, tmp(), { checksum: { algorithm: 'md5', value: md5(cut) } }));
    expect(e2.code).toBe('INVALID_DATA');
    expect(e2.message).toMatch(/not a valid tar archive \(Unexpected end of data\)/);
    const gz = gzipSync(bytes);
    const half = gz.subarray(0, gz.length >> 1);
    const e3 = await failure(extractCifar10Archive(half, tmp(), { checksum: { algorithm: 'md5', value: md5(half) } }));
    expect([e3.code, e3.message]).toEqual([
      'INVALID_DATA',
      expect.stringMatching(/not a valid gzip stream \(unexpected end of file\)/),
    ]);
  });

  it('checks the batch files while streaming: whole records, labels 0–9', async () => {
    const entries = batchEntries();
    const badLabel = new Uint8Array(entries[1]!.data);
    badLabel[3073] = 12; // the label byte of record 1
    const short = entries[2]!.data.subarray(0, 3073 + 100);
    for (const [data, message] of [
      [badLabel, /^c\.tar\.gz:data_batch_2\.bin: record 1 \(byte offset 3073\) has label 12; labels must be 0…9$/],
      [short, /^c\.tar\.gz:data_batch_2\.bin: size 3173 bytes is not a positive multiple of 3073/],
    ] as const) {
      const gz = gzipSync(tar([entries[0]!, { path: entries[1]!.path, data }, ...entries.slice(2)]));
      const dest = tmp();
      const e = await failure(
        extractCifar10Archive(gz, dest, { checksum: { algorithm: 'md5', value: md5(gz) }, source: 'c.tar.gz' }),
      );
      expect(e.code).toBe('INVALID_DATA');
      expect(e.message).toMatch(message);
      expect(readdirSync(dest)).toEqual([]);
    }
  });

  it('a checksum mismatch is reported first, also for a stream that gunzip cannot read', async () => {
    const gz = gzipSync(tar(batchEntries()));
    const broken = new Uint8Array(gz);
    broken[20] = broken[20]! ^ 0xff;
    const dest = tmp();
    const e = await failure(extractCifar10Archive(broken, dest, { checksum: { algorithm: 'md5', value: md5(gz) } }));
    expect([e.code, e.message]).toEqual([
      'CHECKSUM_MISMATCH',
      `cifar-10-binary.tar.gz: md5 is ${md5(broken)}, expected ${md5(gz)}; the download is corrupt or not the official file`,
    ]);
    expect(readdirSync(dest)).toEqual([]); // nothing written
  });

  it('streams from a file, a web ReadableStream and small chunks alike', async () => {
    const gz = cifarTarGz();
    const checksum = { algorithm: 'sha256' as const, value: createHash('sha256').update(gz).digest('hex') };
    const file = join(tmp(), 'c.tar.gz');
    writeFileSync(file, gz);
    async function* dribble(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < gz.length; i += 97) yield gz.subarray(i, i + 97);
    }
    for (const archive of [createReadStream(file), new Blob([gz]).stream(), dribble()]) {
      const out = await extractCifar10Archive(archive, tmp(), { checksum });
      expect(new Uint8Array(readFileSync(join(out, 'data_batch_3.bin')))).toEqual(records(2, 2));
    }
  });
});

describe('CIFAR-10 download and extraction', () => {
  it('the official URL and MD5', () => {
    expect(CIFAR10_BINARY_URL).toBe('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    expect(CIFAR10_BINARY_MD5).toMatch(/^[0-9a-f]{32}$/);
  });

  it('verifies checksums (md5 and sha256) and names the mismatch', () => {
    const data = Buffer.from('abc');
    verifyChecksum(data, 'md5', '900150983CD24FB0D6963F7D28E17F72');
    verifyChecksum(data, 'sha256', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(() => verifyChecksum(data, 'md5', '0'.repeat(32), 'x.tar.gz')).toThrow(
      /x\.tar\.gz: md5 is 900150983cd24fb0d6963f7d28e17f72, expected 0{32}/,
    );
  });

  it('extracts a checked archive into cifar-10-batches-bin/ that loadCifar10Split reads', async () => {
    const gz = cifarTarGz();
    const dest = tmp();
    await expect(extractCifar10Archive(gz, dest)).rejects.toThrow(
      /md5 is [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530/,
    );
    const out = await extractCifar10Archive(gz, dest, { checksum: { algorithm: 'md5', value: md5(gz) } });
    expect(out).toBe(join(dest, 'cifar-10-batches-bin'));
    expect(new Uint8Array(readFileSync(join(out, 'data_batch_3.bin')))).toEqual(records(2, 2));
    expect(existsSync(join(out, 'batches.meta.txt'))).toBe(false);
    expect(Array.from(loadCifar10Split('test', { dir: dest }).labels)).toEqual([5, 6]);
    const broken = gzipSync(tar([{ path: 'cifar-10-batches-bin/data_batch_1.bin', data: records(1, 0) }]));
    await expect(
      extractCifar10Archive(broken, tmp(), { checksum: { algorithm: 'md5', value: md5(broken) } }),
    ).rejects.toThrow(/lacks data_batch_2\.bin/);
  });

  it('downloadCifar10 fetches, checks and extracts (fake fetch, body streamed or read whole), then skips when present', async () => {
    const gz = cifarTarGz();
    const sha = createHash('sha256').update(gz).digest('hex');
    const urls: string[] = [];
    const fakeFetch = async (u: string) => {
      urls.push(u);
      return {
        ok: true,
        status: 200,
        arrayBuffer: async () => gz.buffer.slice(gz.byteOffset, gz.byteOffset + gz.byteLength) as ArrayBuffer,
      };
    };
    const dir = tmp();
    const out = await downloadCifar10({ dir, fetch: fakeFetch, checksum: { algorithm: 'sha256', value: sha } });
    expect(urls).toEqual([CIFAR10_BINARY_URL]);
    expect(loadCifar10Split('validation', { dir: out, validationSize: 3 }).size).toBe(3);
    await downloadCifar10({ dir, fetch: fakeFetch, checksum: { algorithm: 'sha256', value: sha } });
    expect(urls.length).toBe(1);
    const streamed = await downloadCifar10({
      dir: tmp(),
      fetch: async () => ({
        ok: true,
        status: 200,
        body: new Blob([gz]).stream(),
        arrayBuffer: async () => {
          throw new Error('the body is streamed, not read whole');
        },
      }),
      checksum: { algorithm: 'sha256', value: sha },
    });
    expect(loadCifar10Split('test', { dir: streamed }).size).toBe(2);
    await expect(
      downloadCifar10({
        dir: tmp(),
        fetch: async () => ({ ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) }),
      }),
    ).rejects.toThrow(/HTTP 404/);
    await expect(
      downloadCifar10({
        dir: tmp(),
        fetch: async () => {
          throw new Error('getaddrinfo ENOTFOUND');
        },
      }),
    ).rejects.toThrow(/cannot reach .*ENOTFOUND.*L2O_CIFAR10_DIR/);
  });
});
