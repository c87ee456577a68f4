import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_BIN as BIN, runBuiltCli as l2o } from './run-built-cli.js';

describe('l2o train --base (a learned correction on top of a hand-designed optimizer)', () => {
  it('saves a residual optimizer that records its base, and eval loads it back', async () => {
    expect(existsSync(BIN), `${BIN} is missing; build first`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'l2o-base-'));
    try {
      const t = await l2o([
        'train',
        '--backend',
        'wasm',
        '--base',
        'nag',
        '--base-lr',
        '0.03',
        '--hidden',
        '4',
        '--epochs',
        '2',
        '--horizon',
        '4',
        '--unroll',
        '2',
        '--validation-problems',
        '1',
        '--validate-every',
        '1',
        '--out',
        out,
      ]);
      expect(t.code, t.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'optimizer', 'manifest.json'), 'utf8')) as {
        kind: string;
        config: { base: unknown; kind: string; config: { hiddenSizes: number[] } };
      };
      expect(manifest.kind).toBe('residual');
      expect(manifest.config.base).toEqual({ name: 'nag', learningRate: 0.03 });
      expect(manifest.config.kind).toBe('lstm');
      expect(manifest.config.config.hiddenSizes).toEqual([4]);
      const e = await l2o([
        'eval',
        '--backend',
        'wasm',
        '--learned',
        join(out, 'optimizer'),
        '--problems',
        '2',
        '--steps',
        '5',
        '--out',
        join(out, 'eval'),
      ]);
      expect(e.code, e.stderr).toBe(0);
      expect(e.stdout).toMatch(/residual\(nag\(lr=0\.03\) \+ lstm\(4\)\)/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('refuses an unknown base and a bad base learning rate, naming the flag and the allowed values', async () => {
    const a = await l2o(['train', '--base', 'lbfgs', '--epochs', '1']);
    expect(a.code).not.toBe(0);
    expect(a.stderr).toMatch(/--base.*allowed values: none, sgd, nag, rmsprop, adam/);
    const b = await l2o(['train', '--base', 'adam', '--base-lr', '-1', '--epochs', '1']);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/--base-lr/);
  }, 120_000);
});
