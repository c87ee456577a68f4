import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx } from '@l2o/optimizee-mnist';
import { runBuiltCli as l2o } from './run-built-cli.js';

describe('l2o --task mnist --mnist-dir (MNIST-format data from a folder)', () => {
  it('evaluates on gzipped IDX files in a folder; a folder without them is a usage error naming the flag', async () => {
    const root = mkdtempSync(join(tmpdir(), 'l2o-mnist-dir-'));
    try {
      const data = join(root, 'tiny-fashion');
      const pixels = (n: number): Uint8Array => Uint8Array.from({ length: n * 16 }, (_, i) => (i * 29) % 256);
      const labels = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i % 4);
      const files: Record<string, Uint8Array> = {
        'train-images-idx3-ubyte.gz': encodeIdx([40, 4, 4], pixels(40)),
        'train-labels-idx1-ubyte.gz': encodeIdx([40], labels(40)),
        't10k-images-idx3-ubyte.gz': encodeIdx([12, 4, 4], pixels(12)),
        't10k-labels-idx1-ubyte.gz': encodeIdx([12], labels(12)),
      };
      mkdirSync(data);
      for (const [name, bytes] of Object.entries(files)) writeFileSync(join(data, name), gzipSync(bytes));
      const common = ['--backend', 'wasm', '--task', 'mnist', '--mlp-hidden', '3', '--batch-size', '4'];
      const ok = await l2o([
        'eval',
        ...common,
        '--mnist-dir',
        data,
        '--baselines',
        'adam:0.1',
        '--problems',
        '2',
        '--steps',
        '3',
        '--out',
        join(root, 'eval'),
      ]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toContain('mnist-mlp-16-3-4-sigmoid-test@tiny-fashion');
      const missing = await l2o(['eval', ...common, '--mnist-dir', join(root, 'none'), '--baselines', 'adam:0.1']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`--mnist-dir ${join(root, 'none')}: cannot read MNIST-format data from`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
