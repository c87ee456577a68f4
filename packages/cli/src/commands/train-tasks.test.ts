import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_BIN as BIN, runBuiltCli as l2o } from './run-built-cli.js';

const common = ['train', '--backend', 'wasm', '--hidden', '4', '--dim', '3', '--functions', '4'];

describe('l2o train with several tasks per meta-step, PES, sampled horizons and augmentation', () => {
  it('records the settings in the artifact and history, and refuses a resume with other settings', async () => {
    expect(existsSync(BIN), `${BIN} is missing; build first`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'l2o-tasks-'));
    const flags = [
      ...common,
      '--tasks-per-step',
      '2',
      '--estimator',
      'pes',
      '--pes-sigma',
      '0.02',
      '--horizon',
      '4:12',
      '--unroll',
      '2',
      '--steps-per-epoch',
      '3',
      '--epochs',
      '2',
      '--loss-transform',
      'relative',
      '--validation-metric',
      'log-ratio',
      '--validation-horizon',
      '6',
      '--augment',
      'reparam:global:0.1:10,loss-scale:0.5:2',
      '--reset-non-finite',
      '--validation-problems',
      '1',
      '--validate-every',
      '1',
      '--out',
      out,
    ];
    try {
      const t = await l2o(flags);
      expect(t.code, t.stderr).toBe(0);
      expect(t.stderr).toMatch(/done: 2 epochs \(6 meta-steps, \d+ episodes\)/);
      const manifest = JSON.parse(readFileSync(join(out, 'optimizer', 'manifest.json'), 'utf8')) as {
        training: Record<string, unknown>;
      };
      expect(manifest.training).toMatchObject({
        metaSteps: 6,
        horizon: '4:12',
        tasksPerStep: 2,
        estimator: 'pes',
        pesSigma: 0.02,
        lossTransform: 'relative',
        validationMetric: 'log-ratio',
        validationHorizon: 6,
        augment: 'reparam:global:0.1:10,loss-scale:0.5:2',
        resetNonFinite: true,
        metaStepsPerEpoch: 3,
      });
      expect(String(manifest.training['task'])).toMatch(/\+reparam\(global,0\.1\.\.10\)\+loss-scale\(0\.5\.\.2\)$/);
      const history = JSON.parse(readFileSync(join(out, 'history.json'), 'utf8')) as { history: unknown[] };
      expect(history.history).toHaveLength(2);
      const other = flags.map((f) => (f === '0.02' ? '0.05' : f));
      const r = await l2o([...other, '--epochs', '3', '--resume']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/different run \(pesSigma: 0\.02 ≠ 0\.05\)/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('names the flag and the allowed values for bad new flags', async () => {
    const bad = async (args: string[], pattern: RegExp): Promise<void> => {
      const r = await l2o(['train', ...args, '--epochs', '1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(pattern);
    };
    await bad(['--estimator', 'es'], /--estimator: unknown value "es"; allowed values: bptt, pes/);
    await bad(['--horizon', '50:10'], /--horizon: expected a positive whole number N or MIN:MAX/);
    await bad(
      ['--loss-transform', 'sqrt'],
      /--loss-transform: unknown value "sqrt"; allowed values: none, relative, log/,
    );
    await bad(['--validation-metric', 'median'], /allowed values: mean, final, log-ratio/);
    await bad(['--augment', 'flip'], /--augment: unknown augmentation "flip"/);
    await bad(['--estimator', 'pes', '--pes-sigma', '0'], /--pes-sigma: must be a number > 0/);
    await bad(['--tasks-per-step', '0'], /--tasks-per-step: must be ≥ 1/);
  }, 120_000);
});
