import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadLearned } from '@l2o/core/node';
import { loadHyperPreset } from '@l2o/optimizer-hyper';
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
        '--max-lr-change',
        '0.3',
        '--secant-start',
        '1',
        '--max-relative-step',
        '0.5',
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
        'vs-reference',
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
        training: Record<string, unknown>;
      };
      expect(manifest.kind).toBe('hyper');
      expect(manifest.training['validationMetric']).toBe('vs-reference');
      expect(manifest.config).toMatchObject({
        hidden: 4,
        initialLr: 0.01,
        maxLrChange: 0.3,
        secantStart: 1,
        maxRelativeStep: 0.5,
      });
      // The starting φ is scored against Adam's best final loss: a clipped log-ratio, so within ±1.
      const v0 = /epoch 0: validation (-?[\d.e+-]+)/.exec(t.stderr);
      expect(v0, t.stderr).not.toBeNull();
      expect(Math.abs(Number(v0![1]))).toBeLessThanOrEqual(1);
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

  it('--init preset:general starts each conv-fc group from a copy of the preset, and refuses --base', async () => {
    const out = mkdtempSync(join(tmpdir(), 'l2o-init-'));
    try {
      const t = await l2o([
        'train',
        '--backend',
        'cpu',
        '--task',
        'cifar',
        '--groups',
        'conv-fc',
        '--init',
        'preset:general',
        '--estimator',
        'pes',
        '--meta-lr',
        '1e-30', // φ cannot move: what is saved is where the run started
        '--epochs',
        '1',
        '--horizon',
        '2',
        '--unroll',
        '1',
        '--batch-size',
        '4',
        '--validation-problems',
        '1',
        '--validate-every',
        '1',
        '--out',
        out,
      ]);
      expect(t.code, t.stderr).toBe(0);
      const saved = loadLearned(join(out, 'optimizer'));
      const preset = loadHyperPreset('general');
      try {
        expect(saved.learned.kind).toBe('partition');
        const keys = Object.keys(preset.metaParams).sort();
        expect(Object.keys(saved.metaParams).sort()).toEqual(
          [...keys.map((k) => `conv/${k}`), ...keys.map((k) => `fc/${k}`)].sort(),
        );
        for (const group of ['conv', 'fc']) {
          for (const k of keys) {
            expect(Array.from(saved.metaParams[`${group}/${k}`]!.dataSync())).toEqual(
              Array.from(preset.metaParams[k]!.dataSync()),
            );
          }
        }
      } finally {
        tf.dispose([...Object.values(saved.metaParams), ...Object.values(preset.metaParams)]);
      }
      const bad = await l2o(['train', '--init', 'preset:general', '--base', 'nag', '--epochs', '1', '--out', out]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--init preset:general with --base nag: .*drop --base/);
      const missing = await l2o(['train', '--init', join(out, 'nothing-here'), '--epochs', '1', '--out', out]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/--init .*nothing-here/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});
