import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_BIN as BIN, runBuiltCli as l2o } from './run-built-cli.js';

describe('l2o train --optimizer hyper, and the general preset', () => {
  it('meta-trains the hyper optimizer with PES on the suite mixture and evaluates it beside preset:general', async () => {
    expect(existsSync(BIN), `${BIN} is missing; build first`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'l2o-hyper-'));
    try {
      const t = await l2o([
        'train',
        '--backend',
        'wasm',
        '--optimizer',
        'hyper',
        '--controller-hidden',
        '4',
        '--initial-lr',
        '0.01',
        '--meta-lr-scale',
        'logLr0:30',
        '--task',
        'suite',
        '--estimator',
        'pes',
        '--pes-sigma',
        '0.03',
        '--tasks-per-step',
        '2',
        '--horizon',
        '6:10',
        '--unroll',
        '3',
        '--steps-per-epoch',
        '2',
        '--epochs',
        '1',
        '--loss-transform',
        'log',
        '--validation-metric',
        'log-ratio',
        '--validation-horizon',
        '4',
        '--validation-problems',
        '1',
        '--out',
        out,
      ]);
      expect(t.code, t.stderr).toBe(0);
      const manifest = JSON.parse(readFileSync(join(out, 'optimizer', 'manifest.json'), 'utf8')) as {
        kind: string;
        config: Record<string, unknown>;
      };
      expect(manifest.kind).toBe('hyper');
      expect(manifest.config).toMatchObject({ hidden: 4, initialLr: 0.01 });
      const history = readFileSync(join(out, 'history.json'), 'utf8');
      expect(history).toContain('"metaLearningRateScale"');
      const e = await l2o([
        'eval',
        '--backend',
        'wasm',
        '--learned',
        `${join(out, 'optimizer')},preset:general`,
        '--problems',
        '2',
        '--steps',
        '5',
        '--dim',
        '3',
        '--functions',
        '2',
        '--out',
        join(out, 'eval'),
      ]);
      expect(e.code, e.stderr).toBe(0);
      const { result } = JSON.parse(readFileSync(join(out, 'eval', 'result.json'), 'utf8')) as {
        result: { curves: { name: string; mean: number[] }[] };
      };
      expect(result.curves.map((c) => c.name)).toContain('preset general');
      for (const c of result.curves) expect(c.mean.every(Number.isFinite)).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('refuses hyper flags with bad values, naming the flag', async () => {
    const r = await l2o(['train', '--optimizer', 'hyper', '--initial-lr', '0', '--out', join(tmpdir(), 'never')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--initial-lr/);
  });
});
