import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_RECORD_BYTES,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  encodeCifarBinary,
  loadCifar10Split,
  parseCifarBinary,
  readCifarBinaryFile,
  resolveCifar10Dir,
} from './cifar-binary.js';

/** n records in the official layout, written by hand (label, R plane, G plane, B plane). */
function fixture(n: number, seed: number): { bytes: Uint8Array; labels: number[] } {
  const bytes = new Uint8Array(n * 3073);
  const labels: number[] = [];
  for (let r = 0; r < n; r++) {
    const label = (r * 7 + seed) % 10;
    labels.push(label);
    bytes[r * 3073] = label;
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) bytes[r * 3073 + 1 + c * 1024 + p] = (p * 3 + c * 50 + r + seed) % 256;
  }
  return { bytes, labels };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('CIFAR-10 binary reader', () => {
  it('decodes labels and planar RGB into NHWC / 255', () => {
    const { bytes, labels } = fixture(3, 1);
    const r = parseCifarBinary(bytes);
    expect(r.size).toBe(3);
    expect(Array.from(r.labels)).toEqual(labels);
    for (const [rec, y, x, c] of [
      [0, 0, 0, 0],
      [1, 5, 17, 2],
      [2, 31, 31, 1],
    ] as const) {
      const p = y * 32 + x;
      expect(r.images[rec * 3072 + p * 3 + c]).toBeCloseTo(((p * 3 + c * 50 + rec + 1) % 256) / 255, 7);
    }
    expect(
      encodeCifarBinary(
        labels,
        Array.from(r.images, (v) => Math.round(v * 255)),
      ),
    ).toEqual(bytes);
  });

  it('rejects truncated files naming the file and the record size, and labels > 9', () => {
    const { bytes } = fixture(2, 0);
    expect(() => parseCifarBinary(bytes.subarray(0, 3073 + 100), 'data_batch_1.bin')).toThrow(
      /data_batch_1\.bin: size 3173 bytes is not a positive multiple of 3073/,
    );
    expect(() => parseCifarBinary(new Uint8Array(0), 'x.bin')).toThrow(/x\.bin: size 0 bytes/);
    const bad = bytes.slice();
    bad[CIFAR10_RECORD_BYTES] = 10;
    expect(() => parseCifarBinary(bad, 'test_batch.bin')).toThrow(
      /test_batch\.bin: record 1 \(byte offset 3073\) has label 10; labels must be 0…9/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'cifar-bin-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'cut.bin'), bytes.subarray(0, 5000));
    expect(() => readCifarBinaryFile(join(dir, 'cut.bin'))).toThrow(
      new RegExp(
        `${join(dir, 'cut.bin').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: size 5000 bytes is not a positive multiple of 3073`,
      ),
    );
  });

  it('loads train / validation / test from a folder (option or L2O_CIFAR10_DIR, flat or nested)', () => {
    const root = mkdtempSync(join(tmpdir(), 'cifar-dir-'));
    dirs.push(root);
    const dir = join(root, 'cifar-10-batches-bin');
    const fx: number[][] = [];
    mkdirSync(dir);
    CIFAR10_TRAIN_FILES.forEach((f, i) => {
      const { bytes, labels } = fixture(4, i);
      fx.push(labels);
      writeFileSync(join(dir, f), bytes);
    });
    const test = fixture(5, 9);
    writeFileSync(join(dir, CIFAR10_TEST_FILE), test.bytes);
    const train = loadCifar10Split('train', { dir: root, validationSize: 6 });
    const val = loadCifar10Split('validation', { dir, validationSize: 6 });
    expect(train.size).toBe(14);
    expect(val.size).toBe(6);
    expect([...train.labels, ...val.labels]).toEqual(fx.flat());
    expect(train.numClasses).toBe(10);
    expect(train.classNames[3]).toBe('cat');
    const saved = process.env['L2O_CIFAR10_DIR'];
    process.env['L2O_CIFAR10_DIR'] = root;
    try {
      const t = loadCifar10Split('test');
      expect(Array.from(t.labels)).toEqual(test.labels);
      expect(resolveCifar10Dir()).toBe(dir);
      delete process.env['L2O_CIFAR10_DIR'];
      expect(() => loadCifar10Split('test')).toThrow(
        /cifar10\.dir: no CIFAR-10 folder given; pass \{ dir \} or set L2O_CIFAR10_DIR/,
      );
    } finally {
      if (saved === undefined) delete process.env['L2O_CIFAR10_DIR'];
      else process.env['L2O_CIFAR10_DIR'] = saved;
    }
    expect(() => loadCifar10Split('train', { dir, validationSize: 20 })).toThrow(
      /validationSize: must be < the 20 training images/,
    );
    expect(() => loadCifar10Split('bogus' as 'train', { dir })).toThrow(/allowed values: train, validation, test/);
    expect(() => loadCifar10Split('test', { dir: join(root, 'nope') })).toThrow(/missing test_batch\.bin/);
  });
});
