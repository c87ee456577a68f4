import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisForTests, type RedisServerHandle } from '@l2o/distributed/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_BIN, runBuiltCli as l2o } from './run-built-cli.js';

const SMALL = ['--backend', 'wasm', '--dim', '3', '--functions', '4', '--hidden', '4', '--horizon', '4'];
const TRAIN = [...SMALL, '--unroll', '2', '--epochs', '2', '--tasks-per-step', '3', '--validation-problems', '1'];

let redis: RedisServerHandle | undefined;
let dir: string;
beforeAll(async () => {
  redis = await redisForTests('l2o worker / l2o train --workers tests');
  dir = mkdtempSync(join(tmpdir(), 'l2o-worker-test-'));
});
afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('l2o train --workers and l2o worker', () => {
  it('a learner with a worker process writes the same optimizer as the in-process run', async () => {
    if (!redis) return;
    const worker = spawn(process.execPath, [BUILT_BIN, 'worker', redis.url, '--backend', 'wasm'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let log = '';
    worker.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
    });
    try {
      const distributed = await l2o(['train', ...TRAIN, '--workers', redis.url, '--out', join(dir, 'distributed')]);
      expect(distributed.code, distributed.stderr).toBe(0);
      expect(distributed.stderr).toMatch(
        /workers: 12 jobs, [\d.]+ KiB per job, [\d.]+ KiB per result; 0 results discarded/,
      );
      const local = await l2o(['train', ...TRAIN, '--out', join(dir, 'local')]);
      expect(local.code, local.stderr).toBe(0);
      const weights = (run: string) => readFileSync(join(dir, run, 'optimizer', 'weights.bin'));
      expect(weights('distributed').equals(weights('local'))).toBe(true);
      expect(log).toMatch(/l2o worker: serving redis:\/\/127\.0\.0\.1:\d+/);
      expect(log).toMatch(/meta-step 1 task 2: [\d.]+ s \(\d+ jobs/);
    } finally {
      worker.kill('SIGTERM');
    }
  });

  it('l2o worker exits non-zero, saying why, on a foreign Redis and on a bad address', async () => {
    if (!redis) return;
    const client = new Redis(redis.url);
    await client.flushall();
    await client.set('cache:user:1', 'x');
    const r = await l2o(['worker', redis.url, '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/l2o worker: wrong Redis\? .* holds keys of something else \(cache:user:1\)/);
    await client.flushall();
    client.disconnect();
    const bad = await l2o(['worker', 'http://127.0.0.1:1', '--backend', 'wasm']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/worker: unknown scheme "http:" .*allowed values: redis:\/\/, rediss:\/\//);
  });
});
