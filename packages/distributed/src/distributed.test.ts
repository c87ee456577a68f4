import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { disposeMap, initEngine, metaTrain, type MetaTrainResult } from '@l2o/core';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullmqExecutor } from './bullmq-executor.js';
import { DEFAULT_PREFIX, L2O_VERSION, QUEUE_NAME, jobIdOf, packContainer, runKeys, type JobData } from './protocol.js';
import { serveJobs } from './serve-jobs.js';
import { TINY_TASK, phiBits, resolveTinyRun, tinyTrainOptions } from './test-fixtures/tiny-run.mjs';
import { freePort, redisForTests, startRedisServer, type RedisServerHandle } from './testing.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'test-fixtures');
let redis: RedisServerHandle | undefined;
let reference: Record<string, number[]>;
let dir: string;

beforeAll(async () => {
  await initEngine('wasm');
  redis = await redisForTests('@l2o/distributed tests');
  dir = mkdtempSync(join(tmpdir(), 'l2o-distributed-test-'));
  const r = await metaTrain(tinyTrainOptions());
  reference = phiBits(r.lastMetaParams);
  dispose(r);
});

afterAll(async () => {
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function dispose(r: MetaTrainResult): void {
  disposeMap(r.metaParams);
  disposeMap(r.lastMetaParams);
}

/** A child process with its stdout lines; `line(re)` resolves at the first line matching. */
function child(script: string, args: string[]) {
  const proc: ChildProcess = spawn(process.execPath, [join(fixtures, script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      for (const w of [...waiters]) {
        if (w.re.test(l)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l);
        }
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    lines,
    exit,
    stderr: () => stderr,
    line: (re: RegExp): Promise<string> =>
      new Promise((resolve) => {
        const hit = lines.find((l) => re.test(l));
        if (hit !== undefined) resolve(hit);
        else waiters.push({ re, resolve });
      }),
  };
}

const notes: string[] = [];
const log = (m: string): void => void notes.push(m);
const worker = (url: string) =>
  serveJobs({ connection: url, resolveRun: resolveTinyRun, lockDuration: 1000, stalledInterval: 500, log });

describe('bullmqExecutor + serveJobs on a real Redis', () => {
  it('gives the same φ, bit for bit, as the in-process run (same seed, tasks per step)', async () => {
    if (!redis) return;
    const server = await worker(redis.url);
    const executor = bullmqExecutor({ connection: redis.url, runId: 'parity', task: TINY_TASK, pollMs: 200, log });
    const before = tf.memory().numTensors;
    const r = await metaTrain(tinyTrainOptions({ executor }));
    expect(phiBits(r.lastMetaParams)).toEqual(reference);
    dispose(r);
    expect(executor.stats).toMatchObject({ metaSteps: 6, jobs: 18, discarded: 0, resubmitted: 0 });
    expect(executor.stats.resultBytes).toBeGreaterThan(0);
    expect(server.jobsDone()).toBeGreaterThanOrEqual(18); // a job whose lock lapsed under load may run twice (same result)
    await executor.close();
    await server.close();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('redoes the job of a worker killed mid-job on another worker', async () => {
    if (!redis) return;
    const executor = bullmqExecutor({ connection: redis.url, runId: 'killworker', task: TINY_TASK, pollMs: 200, log });
    const doomed = child('worker-process.mjs', [redis.url, 'hold']);
    await doomed.line(/^ready/);
    const training = metaTrain(tinyTrainOptions({ executor }));
    await doomed.line(/^job-start/);
    const server = await worker(redis.url);
    doomed.proc.kill('SIGKILL');
    expect(await doomed.exit).toBe(null);
    const r = await training;
    expect(phiBits(r.lastMetaParams)).toEqual(reference);
    dispose(r);
    expect(server.jobsDone()).toBeGreaterThanOrEqual(18); // a job whose lock lapsed under load may run twice (same result)
    await executor.close();
    await server.close();
  });

  it('resumes a killed learner from its checkpoint and ends with the same φ', async () => {
    if (!redis) return;
    const server = await worker(redis.url);
    const ck = join(dir, 'learner.l2ock');
    const first = child('learner-process.mjs', [redis.url, 'killlearner', ck]);
    await first.line(/^step 3$/);
    first.proc.kill('SIGKILL');
    await first.exit;
    const second = child('learner-process.mjs', [redis.url, 'killlearner', ck, 'resume']);
    const phiLine = await second.line(/^phi /);
    expect(await second.exit, second.stderr()).toBe(0);
    expect(JSON.parse(phiLine.slice(4))).toEqual(reference);
    // The second learner started from the checkpoint of epoch 1 (meta-step 2), not from scratch.
    expect(second.lines.filter((l) => l.startsWith('step '))).toEqual(['step 3', 'step 4', 'step 5', 'step 6']);
    await server.close();
  });

  it('discards results for another φ version or run, and workers refuse stale and foreign jobs', async () => {
    if (!redis) return;
    const url = redis.url;
    const client = new Redis(url, { maxRetriesPerRequest: null });
    // A worker that answers the first job it gets with the result of an older φ version, then leaves.
    let rogueAnswered = 0;
    const rogue = new Worker<JobData>(
      QUEUE_NAME,
      async (job) => {
        const d = job.data;
        const keys = runKeys(DEFAULT_PREFIX, d.runId);
        const frame = packContainer(
          { kind: 'result', ...d, phiVersion: `${d.metaStep - 1}-00000000`, losses: [] },
          { metaGradient: null, slot: null },
        );
        await client.set(keys.result(String(job.id)), Buffer.from(frame));
        await client.rpush(keys.done, String(job.id));
        rogueAnswered++;
        void rogue.close();
      },
      { connection: client.duplicate({ maxRetriesPerRequest: null }), prefix: DEFAULT_PREFIX, autorun: true },
    );
    const executor = bullmqExecutor({ connection: url, runId: 'stale', task: TINY_TASK, pollMs: 200, log });
    const training = metaTrain(tinyTrainOptions({ executor }));
    training.catch(() => undefined); // awaited below
    while (rogueAnswered === 0) await new Promise((r) => setTimeout(r, 20));
    // Jobs no learner waits for: another run's, and one of this run naming a φ version that is gone.
    const queueOf = new (await import('bullmq')).Queue(QUEUE_NAME, { connection: client, prefix: DEFAULT_PREFIX });
    const foreign: JobData = {
      protocol: 1,
      l2oVersion: L2O_VERSION,
      runId: 'nobody',
      metaStep: 0,
      phiVersion: '0-00000000',
      index: 0,
      slotHash: '00000000',
    };
    const oldPhi: JobData = { ...foreign, runId: 'stale', metaStep: 0, phiVersion: '0-deadbeef' };
    await queueOf.add('estimate', foreign, { jobId: jobIdOf(foreign) });
    await queueOf.add('estimate', oldPhi, { jobId: jobIdOf(oldPhi) });
    const refused: string[] = [];
    const server = await serveJobs({
      connection: url,
      resolveRun: resolveTinyRun,
      log,
      onEvent: (e) => {
        if (e.kind === 'job-refused') refused.push(e.message ?? '');
      },
    });
    const r = await training;
    expect(phiBits(r.lastMetaParams)).toEqual(reference);
    dispose(r);
    expect(executor.stats).toMatchObject({ discarded: 1, resubmitted: 1 });
    expect(notes.some((n) => /discarded a result .*phiVersion/.test(n))).toBe(true);
    while (refused.length < 2) await new Promise((r) => setTimeout(r, 20));
    expect(refused.join('\n')).toMatch(/run nobody is not on this Redis/);
    expect(refused.join('\n')).toMatch(/stale job: φ version 0-deadbeef of run stale is gone/);
    await executor.close();
    await server.close();
    await queueOf.close();
    client.disconnect();
  });

  it('waits through a Redis restart (data lost) and finishes with the same φ', async () => {
    if (!redis) return;
    const own = await startRedisServer();
    let restarted: RedisServerHandle | undefined;
    let outage: Promise<void> | undefined;
    // Redis goes away while a worker computes the first job of meta-step 2 (the other two are queued: lost).
    const server = await serveJobs({
      connection: own.url,
      resolveRun: resolveTinyRun,
      lockDuration: 1000,
      stalledInterval: 500,
      log,
      beforeEstimate: (d) => {
        if (d.metaStep !== 2 || outage) return;
        outage = (async () => {
          await own.stop();
          await new Promise((res) => setTimeout(res, 1500));
          restarted = await startRedisServer({ port: own.port });
        })();
        return outage;
      },
    });
    const executor = bullmqExecutor({ connection: own.url, runId: 'outage', task: TINY_TASK, pollMs: 200, log });
    const r = await metaTrain(tinyTrainOptions({ executor }));
    await outage;
    expect(phiBits(r.lastMetaParams)).toEqual(reference);
    dispose(r);
    expect(
      notes.some((n) => /l2o learner \(run outage\): Redis at .* is unreachable .*waiting and retrying/.test(n)),
    ).toBe(true);
    expect(executor.stats.resubmitted).toBeGreaterThan(0);
    await executor.close();
    await server.close();
    await restarted?.stop();
  });

  it('a worker refuses an unreachable Redis, a foreign one and one of another l2o version', async () => {
    if (!redis) return;
    const nothing = `redis://127.0.0.1:${await freePort()}`;
    await expect(
      serveJobs({ connection: nothing, resolveRun: resolveTinyRun, connectTimeoutSeconds: 1, log }),
    ).rejects.toThrow(/l2o worker: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/? within 1 s/);
    const other = await startRedisServer();
    const client = new Redis(other.url);
    await client.set('someone:else', 'x');
    await expect(serveJobs({ connection: other.url, resolveRun: resolveTinyRun, log })).rejects.toThrow(
      /wrong Redis\? .* holds keys of something else \(someone:else\) and no l2o deployment marker/,
    );
    await client.flushall();
    await client.set(`${DEFAULT_PREFIX}:deployment`, JSON.stringify({ protocol: 1, l2oVersion: '9.9.9' }));
    await expect(serveJobs({ connection: other.url, resolveRun: resolveTinyRun, log })).rejects.toThrow(
      /incompatible l2o: .* serves l2o 9\.9\.9 \(protocol 1\); this is l2o \S+ \(protocol 1\)/,
    );
    const proc = child('worker-process.mjs', [other.url]);
    expect(await proc.exit).toBe(1);
    expect(proc.stderr()).toMatch(/incompatible l2o/);
    client.disconnect();
    await other.stop();
  });
});
