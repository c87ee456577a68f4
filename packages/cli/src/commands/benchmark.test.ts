import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_BIN as BIN, runBuiltCli as l2o } from './run-built-cli.js';

const dirs: string[] = [];
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'l2o-benchmark-cli-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A quick look at one cheap task: 2 runs, 1 tuning problem, a small starting grid, NAG and Adam. */
const quick = (out: string): string[] => [
  'benchmark',
  '--backend',
  'wasm',
  '--tasks',
  'quadratic-cond1e3-100d',
  '--runs',
  '2',
  '--tune-problems',
  '1',
  '--baselines',
  'nag,adam',
  '--grid',
  '0.3,1',
  '--learned',
  'preset:quadratic',
  '--out',
  out,
];

function runFiles(out: string): string[] {
  const dir = join(out, 'cache', 'runs', 'quadratic-cond1e3-100d');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('l2o benchmark', () => {
  it('tunes, runs and reports one task; a second call reuses every stored tuning and run', async () => {
    expect(existsSync(BIN), `${BIN} is missing; build first`).toBe(true);
    const out = fresh();
    const first = await l2o(quick(out));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /quadratic-cond1e3-100d: tuned Adam .* \(lr [0-9.e-]+\), best (nag|adam); preset:quadratic ×/,
    );
    expect(first.stdout).toMatch(/learned optimizer\s+beats tuned Adam/);
    for (const f of ['report.md', 'curves.svg', 'result.json', 'summary.json'])
      expect(existsSync(join(out, f))).toBe(true);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.tasks.map((t: { id: string }) => t.id)).toEqual(['quadratic-cond1e3-100d']);
    expect(Object.keys(summary.winRateVsTunedAdam)).toEqual(['preset:quadratic']);
    expect(summary.command).toBe(
      `l2o benchmark --learned preset:quadratic --split test --tasks quadratic-cond1e3-100d --baselines nag,adam --grid 0.3,1 --runs 2 --tune-problems 1 --out ${out}`,
    );
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('| quadratic-cond1e3-100d | quadratic | 100 |');
    expect(runFiles(out)).toHaveLength(3);
    const result = readFileSync(join(out, 'result.json'), 'utf8');
    const again = await l2o(quick(out));
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe(result); // timings included: nothing was rerun
  }, 300_000);

  it('continues after being killed (SIGKILL) in the middle of the runs', async () => {
    const out = fresh();
    const child = spawn(process.execPath, [BIN, ...quick(out)], { stdio: 'ignore' });
    const exited = new Promise<void>((done) => child.on('close', () => done()));
    const deadline = Date.now() + 200_000;
    while (runFiles(out).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(out, 'summary.json'))).toBe(false); // it really was interrupted
    const resumed = await l2o(quick(out));
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.tasks).toHaveLength(1);
    expect(summary.tasks[0].learned['preset:quadratic'].runs).toBe(2);
  }, 300_000);

  it('refuses bad flags with exit code 2, naming the flag and the allowed values', async () => {
    const t = await l2o(['benchmark', '--tasks', 'nope']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--tasks: "nope" is not a task of suite "l2o-default" in split test; allowed: mnist-mlp-/);
    const b = await l2o(['benchmark', '--baselines', 'sgd,nag']);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--baselines: must include adam/);
    const s = await l2o(['benchmark', '--split', 'dev']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--split: unknown value "dev"; allowed values: train, validation, test/);
    const h = await l2o(['benchmark', '--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toMatch(/--learned/);
    expect(h.stdout).toMatch(/--tasks/);
  }, 120_000);
});
