import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const BIN = resolve(__dirname, '..', '..', 'dist', 'bin.cjs');

function l2o(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const env = { ...process.env };
    delete env['L2O_CIFAR10_DIR'];
    execFile(process.execPath, [BIN, ...args], { env, timeout: 240_000, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('l2o reproduce cifar (offline data, tiny budgets)', () => {
  it('meta-trains the conv/fc pair of LSTMs, tunes the four baselines and writes the report', async () => {
    expect(existsSync(BIN), `${BIN} is missing; build first`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'l2o-cifar-'));
    try {
      const r = await l2o([
        'reproduce', 'cifar', '--backend', 'wasm', '--epochs', '2', '--horizon', '4', '--unroll', '2', '--steps', '4',
        '--runs', '2', '--tune-problems', '1', '--grid', '0.01,0.1', '--validation-problems', '1', '--validate-every', '1',
        '--batch-size', '8', '--out', out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      // The saved optimizer is a partition of two LSTMs (conv kernels / the rest) and loads back for evaluation.
      const manifest = JSON.parse(readFileSync(join(out, 'train-lstm', 'optimizer', 'manifest.json'), 'utf8')) as {
        kind: string;
        config: { groups: { name: string; kind: string }[] };
      };
      expect(manifest.kind).toBe('partition');
      expect(manifest.config.groups.map((g) => [g.name, g.kind])).toEqual([
        ['conv', 'lstm'],
        ['fc', 'lstm'],
      ]);
      const report = readFileSync(join(out, 'README.md'), 'utf8');
      expect(report).toContain('cats vs dogs, held-out test images');
      for (const name of ['LSTM', 'SGD', 'RMSPROP', 'ADAM', 'NAG']) expect(report).toMatch(new RegExp(`\\| ${name}\\b`));
      expect(report).toMatch(/held-out-class study/); // the offline run says what it cannot do
      expect(existsSync(join(out, 'cifar-row-1.svg'))).toBe(true);
      const result = JSON.parse(readFileSync(join(out, 'row-1', 'result.json'), 'utf8')) as { result: { curves: { name: string; mean: number[] }[] } };
      expect(result.result.curves).toHaveLength(5);
      for (const c of result.result.curves) {
        expect(c.mean).toHaveLength(5); // steps 0…4
        expect(c.mean[0]).toBeGreaterThan(0.5); // a 2-way problem starts near ln 2
        expect(c.mean[0]).toBeLessThan(0.9);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('rejects a class the data does not hold, naming the allowed values', async () => {
    const r = await l2o(['train', '--task', 'cifar', '--classes', 'cat,frog', '--epochs', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--classes: "frog" is not a class of this data; allowed values: .*cat.*dog/);
  });
});
