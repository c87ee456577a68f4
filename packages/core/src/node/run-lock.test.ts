import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { L2oIoError } from '@l2o/core';
import { currentProcess } from './process-liveness.js';
import { RUN_LOCK_FILE, RunLockHeldError, acquireRunLock } from './run-lock.js';

const HERE = dirname(fileURLToPath(import.meta.url));
let work: string;
let bundle: string;
let root: string;

// Other processes take the lock through the same code, bundled to plain JS (no build of the package needed).
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'l2o-run-lock-bundle-'));
  bundle = join(work, 'run-lock.cjs');
  buildSync({
    entryPoints: [join(HERE, 'run-lock.ts')],
    conditions: ['@l2o/source'],
    external: ['@tensorflow/*'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: bundle,
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'l2o-run-lock-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A child that takes the lock of `dir` when `go` exists, prints the outcome as JSON, holds it `holdMs`, exits. */
function contender(
  dir: string,
  go: string,
  holdMs: number,
  env: Record<string, string> = {},
): ChildProcess & { result: Promise<Record<string, unknown>> } {
  const script = `
    const { acquireRunLock } = require(${JSON.stringify(bundle)});
    const fs = require('node:fs');
    const wait = () => { if (!fs.existsSync(${JSON.stringify(go)})) return setTimeout(wait, 2); take(); };
    function take() {
      try {
        const lock = acquireRunLock(${JSON.stringify(dir)}, { command: 'contender' });
        console.log(JSON.stringify({ ok: true, pid: process.pid, tookOver: lock.tookOverFrom ? lock.tookOverFrom.pid : null }));
        setTimeout(() => lock.release(), ${holdMs});
      } catch (e) {
        console.log(JSON.stringify({ ok: false, pid: process.pid, name: e.name, holder: e.holder ? e.holder.pid : null, message: e.message }));
      }
    }
    wait();`;
  const child = spawn(process.execPath, ['-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const result = new Promise<Record<string, unknown>>((done) =>
    child.on('close', () => done(JSON.parse(out.trim().split('\n')[0] ?? '{}') as Record<string, unknown>)),
  );
  return Object.assign(child, { result });
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  return r.pid!;
}

function staleLock(dir: string, pid: number, host = hostname()): void {
  const record = {
    pid,
    host,
    ...(currentProcess().bootId !== undefined ? { bootId: currentProcess().bootId } : {}),
    token: 'deadbeefdeadbeefdeadbeefdeadbeef',
    startedAt: '2026-01-01T00:00:00.000Z',
    command: 'l2o train',
  };
  writeFileSync(join(dir, RUN_LOCK_FILE), JSON.stringify(record));
}

describe('acquireRunLock', () => {
  it('writes pid, host and start time; a second acquire is refused until release', () => {
    const lock = acquireRunLock(join(root, 'run'), { command: 'l2o train' });
    const rec = JSON.parse(readFileSync(join(root, 'run', RUN_LOCK_FILE), 'utf8')) as Record<string, unknown>;
    expect(rec['pid']).toBe(process.pid);
    expect(rec['host']).toBe(hostname());
    expect(rec['command']).toBe('l2o train');
    expect(Number.isNaN(Date.parse(String(rec['startedAt'])))).toBe(false);
    expect(() => acquireRunLock(join(root, 'run'))).toThrow(RunLockHeldError);
    expect(() => acquireRunLock(join(root, 'run'))).toThrow(`pid ${process.pid}`);
    lock.release();
    lock.release();
    expect(existsSync(join(root, 'run', RUN_LOCK_FILE))).toBe(false);
    acquireRunLock(join(root, 'run')).release();
    expect(readdirSync(join(root, 'run'))).toEqual([]);
  });

  it("refuses a running process's lock naming its pid and the folder; takes it over once that process is killed", async () => {
    const go = join(root, 'go');
    writeFileSync(go, '');
    const holder = contender(root, go, 60_000);
    let first: Record<string, unknown> = {};
    holder.stdout!.once('data', (d: string) => {
      first = JSON.parse(d) as Record<string, unknown>;
    });
    while (!existsSync(join(root, RUN_LOCK_FILE)) || first['ok'] === undefined)
      await new Promise((r) => setTimeout(r, 10));
    expect(first['ok']).toBe(true);
    let err: unknown;
    try {
      acquireRunLock(root);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunLockHeldError);
    expect((err as RunLockHeldError).holder.pid).toBe(holder.pid);
    expect((err as Error).message).toContain(
      `${root} is in use by another l2o run (pid ${holder.pid} on host ${hostname()}, contender`,
    );
    holder.kill('SIGKILL');
    await holder.result;
    const lock = acquireRunLock(root);
    expect(lock.tookOverFrom?.pid).toBe(holder.pid);
    lock.release();
  });

  it('releases the lock when the process exits', () => {
    const r = spawnSync(process.execPath, [
      '-e',
      `require(${JSON.stringify(bundle)}).acquireRunLock(${JSON.stringify(root)}); process.exit(3);`,
    ]);
    expect(r.status).toBe(3);
    expect(existsSync(join(root, RUN_LOCK_FILE))).toBe(false);
  });

  it('a stale lock raced for by six processes goes to exactly one of them', async () => {
    const dead = deadPid();
    // Rounds 1 and 2 hold every contender 150 ms between judging the lock stale and removing it, so all of them
    // judge it stale before any removes it (a plain "unlink, then create" gives several winners there).
    for (let round = 0; round < 3; round++) {
      const dir = join(root, `round-${round}`);
      const go = join(root, `go-${round}`);
      acquireRunLock(dir).release();
      staleLock(dir, dead);
      const env: Record<string, string> = round === 0 ? {} : { L2O_RUN_LOCK_TEST_DELAY_MS: '150' };
      const kids = Array.from({ length: 6 }, () => contender(dir, go, 3000, env));
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(go, '');
      const results = await Promise.all(kids.map((k) => k.result));
      const winners = results.filter((r) => r['ok'] === true);
      expect(winners.length, JSON.stringify(results)).toBe(1);
      for (const r of results.filter((x) => x['ok'] !== true)) {
        expect(r['name'], String(r['message'])).toBe('RunLockHeldError');
        expect(r['holder']).toBe(winners[0]!['pid']);
      }
      expect(readdirSync(dir)).toEqual([]);
    }
  }, 60_000);

  it("refuses another host's lock (its process cannot be checked) and an unreadable lock, naming the file", () => {
    staleLock(root, 1, 'some-other-host.example');
    expect(() => acquireRunLock(root)).toThrow(/pid 1 on host some-other-host\.example.*another host/);
    writeFileSync(join(root, RUN_LOCK_FILE), 'garbage');
    expect(() => acquireRunLock(root)).toThrow(
      `the lock file ${join(root, RUN_LOCK_FILE)} exists but is not a readable l2o lock`,
    );
  });

  it('a folder that cannot be created is an L2oIoError naming it', () => {
    writeFileSync(join(root, 'file'), 'x');
    expect(() => acquireRunLock(join(root, 'file', 'run'))).toThrow(L2oIoError);
    expect(() => acquireRunLock(join(root, 'file', 'run'))).toThrow(
      `cannot create directory ${join(root, 'file', 'run')}`,
    );
  });
});
