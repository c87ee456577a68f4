import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILT_BIN as BIN, runBuiltCli as l2o } from './run-built-cli.js';

/** A tiny, fast meta-training run (2-dim quadratics, a 4-unit LSTM, 4-step horizon). */
const SMALL = [
  '--backend',
  'wasm',
  '--dim',
  '2',
  '--functions',
  '4',
  '--hidden',
  '4',
  '--horizon',
  '4',
  '--unroll',
  '2',
  '--validate-every',
  '1',
  '--validation-problems',
  '1',
];

interface Running {
  readonly pid: number;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once stderr matches `re`. */
  waitFor(re: RegExp): Promise<void>;
  kill(signal: NodeJS.Signals): void;
}

function start(args: readonly string[]): Running {
  const env = { ...process.env };
  delete env['L2O_CIFAR10_DIR'];
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    for (const w of waiters.splice(0)) {
      if (w.re.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return {
    pid: child.pid!,
    done,
    waitFor: (re) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stderr)) return resolve();
        waiters.push({ re, resolve });
        void done.then(() => (re.test(stderr) ? resolve() : reject(new Error(`exited before ${re}:\n${stderr}`))));
      }),
    kill: (signal) => child.kill(signal),
  };
}

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('l2o train: one run per --out, interruption, stale leftovers', () => {
  it('refuses a second run on the same --out naming the holder; Ctrl-C exits 130 without writing optimizer/', async () => {
    expect(existsSync(BIN), `${BIN} is missing; build first`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'l2o-lock-'));
    try {
      const first = start(['train', ...SMALL, '--epochs', '100000', '--out', out]);
      await first.waitFor(/epoch 0: validation/);
      const second = await l2o(['train', ...SMALL, '--epochs', '2', '--out', out]);
      expect(second.code, second.stderr).toBe(2);
      expect(second.stderr).toContain(`--out ${out}: ${out} is in use by another l2o run (pid ${first.pid}`);
      first.kill('SIGINT');
      const r = await first.done;
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/interrupted after \d+ epochs.*--resume continues it/s);
      expect(existsSync(join(out, 'optimizer'))).toBe(false);
      const partial = json(join(out, 'optimizer-partial', 'manifest.json'));
      expect((partial['training'] as Record<string, unknown>)['complete']).toBe(false);
      expect((json(join(out, 'history.json'))['training'] as Record<string, unknown>)['complete']).toBe(false);
      expect(existsSync(join(out, 'checkpoint.l2ock'))).toBe(true);
      expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('after a SIGKILL the next run takes the lock over and removes the dead run’s temporary files', async () => {
    const out = mkdtempSync(join(tmpdir(), 'l2o-stale-'));
    try {
      const killed = start(['train', ...SMALL, '--epochs', '100000', '--out', out]);
      await killed.waitFor(/epoch 1: validation/);
      killed.kill('SIGKILL');
      await killed.done;
      expect(existsSync(join(out, '.l2o-lock'))).toBe(true);
      // What a kill during a checkpoint write leaves (the dead run's pid, this host).
      const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
      const leftover = `.checkpoint.l2ock.tmp-${killed.pid}-${hostTag}-0badc0de`;
      writeFileSync(join(out, leftover), 'half a checkpoint');
      const next = await l2o(['train', ...SMALL, '--epochs', '2', '--out', out]);
      expect(next.code, next.stderr).toBe(0);
      expect(next.stderr).toContain(`took over the lock of ${out} from pid ${killed.pid}`);
      // The planted leftover, plus the killed run's own when the kill landed during one of its writes.
      expect(next.stderr).toMatch(/removed [12] temporary file\(s\) of killed runs/);
      expect(readdirSync(out).sort()).toEqual(['checkpoint.l2ock', 'history.json', 'meta-training.svg', 'optimizer']);
      expect((json(join(out, 'optimizer', 'manifest.json'))['training'] as Record<string, unknown>)['complete']).toBe(
        true,
      );

      // A manifest whose kind was changed is refused instead of running the LSTM's weights as LSTM+GAC.
      const forged = join(out, 'forged');
      cpSync(join(out, 'optimizer'), forged, { recursive: true });
      const m = json(join(forged, 'manifest.json'));
      writeFileSync(join(forged, 'manifest.json'), JSON.stringify({ ...m, kind: 'lstm-gac' }));
      const e = await l2o(['eval', '--backend', 'wasm', '--learned', forged, '--problems', '1', '--steps', '2']);
      expect(e.code, e.stderr).toBe(1);
      expect(e.stderr).toContain(
        `--learned ${forged}: field "kind" says "lstm-gac", but the artifact was saved as kind "lstm"`,
      );

      // --resume names the flag and the file when the checkpoint is damaged.
      const ck = join(out, 'checkpoint.l2ock');
      writeFileSync(ck, readFileSync(ck).subarray(0, 40));
      const resumed = await l2o(['train', ...SMALL, '--epochs', '2', '--resume', '--out', out]);
      expect(resumed.code).toBe(1);
      expect(resumed.stderr).toContain(`l2o: error: --resume: ${ck}: truncated file`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('l2o train: files of a run', () => {
  it('a failed write names --out and the file, and leaves the earlier optimizer/ as it was', async () => {
    const out = mkdtempSync(join(tmpdir(), 'l2o-files-'));
    try {
      const first = await l2o(['train', ...SMALL, '--epochs', '2', '--out', out]);
      expect(first.code, first.stderr).toBe(0);
      const manifest = readFileSync(join(out, 'optimizer', 'manifest.json'), 'utf8');
      // The plot cannot be written (a directory took its name): the run must fail before replacing optimizer/.
      rmSync(join(out, 'meta-training.svg'));
      mkdirSync(join(out, 'meta-training.svg'));
      const second = await l2o(['train', ...SMALL, '--epochs', '2', '--seed', '5', '--out', out]);
      expect(second.code).toBe(1);
      expect(second.stderr).toContain(
        `l2o: error: --out ${out}: cannot write ${join(out, 'meta-training.svg')}: it is a directory, not a file (EISDIR)`,
      );
      expect(readFileSync(join(out, 'optimizer', 'manifest.json'), 'utf8')).toBe(manifest);
      expect(() => json(join(out, 'history.json'))).not.toThrow();
      expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('l2o exit codes and usage errors', () => {
  it('exits 2 for usage errors, naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'l2o-usage-'));
    try {
      const cases: [string[], RegExp][] = [
        [['train', '--epochs', '0x2'], /--epochs: expected a whole number in decimal digits, got "0x2"/],
        [['train', '--meta-lr', '0'], /--meta-lr: must be > 0, got 0/],
        [
          ['train', '--meta-lr-scale', 'logLr0', '--out', join(dir, 's')],
          /--meta-lr-scale: expected NAME:FACTOR .*got "logLr0"/,
        ],
        [['train', '--meta-lr-scale', 'logLr0:-1', '--out', join(dir, 's')], /--meta-lr-scale: .*got "logLr0:-1"/],
        [
          ['train', '--horizon', '10', '--unroll', '3', '--out', join(dir, 't')],
          /--unroll: must divide --horizon \(10\), got 3/,
        ],
        [
          ['train', '--resume', '--out', join(dir, 'typo')],
          new RegExp(`--resume: no checkpoint to continue in --out ${join(dir, 'typo')}`),
        ],
        [
          ['eval', '--baselines', 'foo:1', '--out', join(dir, 'e')],
          /--baselines: "foo:1": .*allowed values: sgd, nag, rmsprop, adam/,
        ],
        [
          ['eval', '--learned', join(dir, 'none'), '--out', join(dir, 'e')],
          /--learned .*none: cannot load learned optimizer/,
        ],
        [['reproduce', 'nope'], /unknown experiment "nope"/],
      ];
      for (const [args, re] of cases) {
        const r = await l2o(args);
        expect(r.code, `l2o ${args.join(' ')}\n${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(re);
      }
      expect(existsSync(join(dir, 'typo'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);

  it('every command takes -h, and no help text points to a command that does not exist', () => {
    const main = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    const commands = [...main.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toEqual(['quickstart', 'train', 'worker', 'eval', 'compare', 'benchmark', 'reproduce', 'info']);
    for (const cmd of commands) {
      const r = spawnSync(process.execPath, [BIN, cmd, '-h'], { encoding: 'utf8' });
      expect(r.status, `l2o ${cmd} -h: ${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`Usage: l2o ${cmd}`);
      for (const m of r.stdout.matchAll(/\bl2o ([a-z]+)/g))
        expect(commands, `l2o ${cmd} -h names "l2o ${m[1]}"`).toContain(m[1]);
    }
  });
});
