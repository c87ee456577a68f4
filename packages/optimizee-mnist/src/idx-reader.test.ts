import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, encodeIdx, parseIdx, readIdxFile } from './idx-reader.js';
import { mnistDataDir } from './mnist-data.js';

const dir = mkdtempSync(join(tmpdir(), 'l2o-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fixture(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

describe('parseIdx / readIdxFile', () => {
  it('reads a valid rank-3 file byte for byte, with big-endian dims', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => (i * 37) % 256);
    const bytes = encodeIdx([2, 3, 4], data);
    // Header laid out by hand: magic 00 00 08 03, then 2, 3, 4 as big-endian uint32.
    expect(Array.from(bytes.subarray(0, 16))).toEqual([0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
    const idx = readIdxFile(fixture('ok-images', bytes), 'images');
    expect(idx.dims).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(Array.from(data));
    const labels = readIdxFile(fixture('ok-labels', encodeIdx([5], Uint8Array.of(0, 1, 9, 3, 3))), 'labels');
    expect(labels.dims).toEqual([5]);
    expect(Array.from(labels.data)).toEqual([0, 1, 9, 3, 3]);
    // Dimensions above 2^16 survive (the big-endian decode uses all four bytes).
    const big = parseIdx(encodeIdx([70_000], new Uint8Array(70_000)), 'big');
    expect(big.dims).toEqual([70_000]);
  });

  it('rejects truncated files, naming the file', () => {
    const good = encodeIdx([3, 2, 2], new Uint8Array(12));
    const p = fixture('truncated-data', good.subarray(0, good.length - 1));
    expect(() => readIdxFile(p, 'images')).toThrow(
      new RegExp(
        `${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: truncated IDX data: dims \\[3, 2, 2\\] need 12 bytes after the header, found 11`,
      ),
    );
    const h = fixture('truncated-header', good.subarray(0, 9));
    expect(() => readIdxFile(h, 'images')).toThrow(/truncated-header: truncated IDX header: 9 bytes, need 16/);
    const tiny = fixture('tiny', Uint8Array.of(0, 0));
    expect(() => readIdxFile(tiny)).toThrow(/tiny: not an IDX file/);
  });

  it('rejects wrong magic, other element types and trailing bytes', () => {
    const labels = encodeIdx([4], new Uint8Array(4));
    const p = fixture('labels-as-images', labels);
    expect(() => readIdxFile(p, 'images')).toThrow(/labels-as-images: wrong IDX magic 0x00000801; expected 0x00000803/);
    const gz = Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0);
    expect(() => parseIdx(gz, 'x.gz')).toThrow(/x\.gz: wrong IDX magic 0x1f8b0800/);
    const float = Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0);
    expect(() => parseIdx(float, 'floats')).toThrow(
      /floats: IDX element type 0xd is not supported; allowed values: 0x08/,
    );
    const long = new Uint8Array(labels.length + 3);
    long.set(labels);
    expect(() => parseIdx(long, 'long', 'labels')).toThrow(
      /long: IDX length mismatch: dims \[4\] need 4 bytes after the header, found 7/,
    );
    expect(() => readIdxFile(join(dir, 'missing'))).toThrow(
      `cannot read IDX file ${join(dir, 'missing')}: no such file or directory (ENOENT)`,
    );
    expect(IDX_IMAGES_MAGIC).toBe(0x803);
    expect(IDX_LABELS_MAGIC).toBe(0x801);
  });

  it('reads the real MNIST files: 60k/10k images of 28×28, labels in 0…9 with a sane histogram', () => {
    const root = mnistDataDir();
    for (const [prefix, n] of [
      ['train', 60_000],
      ['t10k', 10_000],
    ] as const) {
      const img = readIdxFile(join(root, `${prefix}-images-idx3-ubyte`), 'images');
      const lab = readIdxFile(join(root, `${prefix}-labels-idx1-ubyte`), 'labels');
      expect(img.dims).toEqual([n, 28, 28]);
      expect(lab.dims).toEqual([n]);
      const hist = new Array<number>(10).fill(0);
      for (const l of lab.data) hist[l]! += 1;
      expect(hist.reduce((a, b) => a + b, 0)).toBe(n);
      // Every digit holds 9–11.5% of the set (MNIST: 8.9%…11.3% in train).
      for (const c of hist) {
        expect(c / n).toBeGreaterThan(0.085);
        expect(c / n).toBeLessThan(0.115);
      }
      // Known counts from the MNIST distribution: digit 1 is the most frequent in both files.
      expect(hist.indexOf(Math.max(...hist))).toBe(1);
      let max = 0;
      for (let i = 0; i < 784 * 100; i++) max = Math.max(max, img.data[i]!);
      expect(max).toBe(255);
    }
  });
});
