import * as tf from '@tensorflow/tfjs';
import { engineInfo, type JsonObject, L2oError } from '@l2o/core';
import type { MetaGradientEstimate, MetaStepExecutor, MetaStepRequest } from '@l2o/core/extend';
import { Queue } from 'bullmq';
import {
  DEFAULT_PREFIX,
  DISTRIBUTED_PROTOCOL,
  L2O_VERSION,
  QUEUE_NAME,
  checkRunId,
  frameCrc,
  hex,
  jobIdOf,
  packPhi,
  runKeys,
  type JobData,
  type RunSpec,
} from './protocol.js';
import {
  checkDeployment,
  checkRedisUrl,
  connectOnce,
  stderrLog,
  waitingClient,
  type LogFn,
} from './redis-connection.js';
import { packSlot, readResultFrame } from './job-compute.js';

export interface BullmqExecutorOptions {
  /** The Redis every worker serves: `redis://host:port`. */
  readonly connection: string;
  /** Names the run in Redis keys and job ids (letters, digits, '_', '-'). Two learners must not share one. */
  readonly runId: string;
  /**
   * What a worker's `resolveRun` needs to rebuild the learned optimizer and task family (e.g. the CLI's flags);
   * stored once in Redis with the estimator's config.
   */
  readonly task: JsonObject;
  /** Prefix of every Redis key (default 'l2o'); learner and workers must agree. */
  readonly prefix?: string;
  /** Tries per job before the learner gives up on it (a worker's error, not a worker's death). Default 3. */
  readonly attempts?: number;
  /** How often (ms) the learner checks for lost or failed jobs while it waits. Default 1000. */
  readonly pollMs?: number;
  /** Where notes go (Redis outages, discarded results). Default: stderr. */
  readonly log?: LogFn;
  /** Seconds to wait for Redis at start before giving up with a clear error. Default 10. */
  readonly connectTimeoutSeconds?: number;
}

/** Counters of a {@link bullmqExecutor} (for progress lines and the benchmark). */
export interface BullmqExecutorStats {
  metaSteps: number;
  jobs: number;
  /** Bytes sent per job: the job's JSON data plus its slot frame (φ is counted in `phiBytes`, once per version). */
  jobBytes: number;
  resultBytes: number;
  phiBytes: number;
  /** Results thrown away: computed for another φ version, slot or run, or failing their checksum. */
  discarded: number;
  /** Jobs submitted again because Redis lost them (restarted without persistence) or their result was bad. */
  resubmitted: number;
  /** Seconds spent publishing φ, slots and jobs / waiting for results / reading and decoding results. */
  publishSeconds: number;
  waitSeconds: number;
  collectSeconds: number;
}

export interface BullmqExecutor extends MetaStepExecutor {
  readonly stats: BullmqExecutorStats;
  /** Closes the connections and deletes this run's keys except the job history (await it; `dispose` does not). */
  close(): Promise<void>;
}

interface Pending {
  readonly index: number;
  /** The job's id; a job whose result was discarded is submitted again under a new id (`…rN`). */
  jobId: string;
  redone: number;
  readonly data: JobData;
  readonly slotFrame: Uint8Array;
}

/**
 * The learner's side of distributed meta-training: each meta-step's slots become BullMQ jobs on `connection`
 * (φ published once per version, slots as CRC-checked binary frames), served by `serveJobs` workers on any
 * machine; results are checked (run, φ version, slot, checksum) and returned in slot order, so the trainer averages
 * them in a fixed order and φ is bit-identical to an in-process run on the same backend. While Redis is unreachable
 * the learner waits and retries; jobs Redis lost (a restart without persistence) are submitted again.
 */
export function bullmqExecutor(options: BullmqExecutorOptions): BullmqExecutor {
  const url = checkRedisUrl(options.connection);
  const runId = checkRunId(options.runId);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const attempts = options.attempts ?? 3;
  const pollMs = options.pollMs ?? 1000;
  const log = options.log ?? stderrLog;
  const keys = runKeys(prefix, runId);
  const role = `l2o learner (run ${runId})`;
  const client = waitingClient(url, role, log);
  const blocking = waitingClient(url, `${role}, wake-ups`, () => undefined);
  let queue: Queue | undefined;
  let started: Promise<void> | undefined;
  let specJson = '';
  let lastPhiVersion: string | undefined;
  const stats: BullmqExecutorStats = {
    metaSteps: 0,
    jobs: 0,
    jobBytes: 0,
    resultBytes: 0,
    phiBytes: 0,
    discarded: 0,
    resubmitted: 0,
    publishSeconds: 0,
    waitSeconds: 0,
    collectSeconds: 0,
  };

  const start = (): Promise<void> => {
    started ??= (async () => {
      await connectOnce(client, url, role, (options.connectTimeoutSeconds ?? 10) * 1000);
      await checkDeployment(client, prefix, role, url);
      await blocking.connect();
      queue = new Queue(QUEUE_NAME, { connection: client, prefix });
      queue.on('error', () => undefined); // reported by the client's own listener
    })();
    return started;
  };

  /** (Re)publishes what workers read: the marker, the run spec and φ (idempotent; after a Redis restart too). */
  const publishRun = async (phiVersion: string, phiFrame: Uint8Array | undefined): Promise<void> => {
    const m = client.multi();
    m.set(`${prefix}:deployment`, JSON.stringify({ protocol: DISTRIBUTED_PROTOCOL, l2oVersion: L2O_VERSION }), 'NX');
    m.set(keys.spec, specJson);
    if (phiFrame) m.set(keys.phi(phiVersion), Buffer.from(phiFrame.buffer, phiFrame.byteOffset, phiFrame.byteLength));
    await m.exec();
  };

  const submit = async (jobs: readonly Pending[]): Promise<void> => {
    const m = client.multi();
    for (const p of jobs) {
      m.set(
        keys.slot(p.data.metaStep, p.index),
        Buffer.from(p.slotFrame.buffer, p.slotFrame.byteOffset, p.slotFrame.byteLength),
      );
    }
    await m.exec();
    await queue!.addBulk(
      jobs.map((p) => ({
        name: 'estimate',
        data: p.data,
        opts: {
          jobId: p.jobId,
          attempts,
          removeOnComplete: true,
          removeOnFail: { count: 1000 },
        },
      })),
    );
  };

  /** Looks after jobs without a result: re-submits lost ones, fails on a job that failed for good. */
  const checkJobs = async (pending: readonly Pending[], phiVersion: string, phiFrame: Uint8Array): Promise<void> => {
    const lost: Pending[] = [];
    for (const p of pending) {
      const job = await queue!.getJob(p.jobId);
      if (job === undefined) {
        if ((await client.exists(keys.result(p.jobId))) === 0) lost.push(p);
        continue;
      }
      const state = await job.getState();
      if (state === 'failed') {
        throw new L2oError(
          'INTERNAL',
          `${role}: job ${p.jobId} (slot ${p.index} of meta-step ${p.data.metaStep}) failed on a worker after ${job.attemptsMade} attempts: ${job.failedReason}`,
        );
      }
    }
    if (lost.length > 0) {
      log(
        `${role}: ${lost.length} job(s) of meta-step ${pending[0]!.data.metaStep} were lost by Redis; submitting them again`,
      );
      stats.resubmitted += lost.length;
      await publishRun(phiVersion, phiFrame);
      await submit(lost);
    }
  };

  return {
    name: 'bullmq',
    stats,
    async run(request: MetaStepRequest): Promise<readonly MetaGradientEstimate[]> {
      await start();
      const t0 = performance.now();
      const spec: RunSpec = {
        protocol: DISTRIBUTED_PROTOCOL,
        l2oVersion: L2O_VERSION,
        runId,
        backend: engineInfo()?.backend ?? tf.getBackend(),
        task: options.task,
        estimator: request.estimator.config,
      };
      specJson = JSON.stringify(spec);
      const { frame: phiFrame, version: phiVersion } = packPhi(request.phi, request.metaStep);
      const pending: Pending[] = request.slots.map((slot, index) => {
        const slotFrame = packSlot(slot);
        const data: JobData = {
          protocol: DISTRIBUTED_PROTOCOL,
          l2oVersion: L2O_VERSION,
          runId,
          metaStep: request.metaStep,
          phiVersion,
          index,
          slotHash: hex(frameCrc(slotFrame)),
        };
        return { index, jobId: jobIdOf(data), redone: 0, data, slotFrame };
      });
      await publishRun(phiVersion, phiFrame);
      if (lastPhiVersion !== undefined && lastPhiVersion !== phiVersion) await client.del(keys.phi(lastPhiVersion));
      lastPhiVersion = phiVersion;
      await submit(pending);
      stats.phiBytes += phiFrame.byteLength;
      for (const p of pending) stats.jobBytes += p.slotFrame.byteLength + JSON.stringify(p.data).length;
      stats.jobs += pending.length;
      const t1 = performance.now();
      stats.publishSeconds += (t1 - t0) / 1000;

      const results = new Map<number, MetaGradientEstimate>();
      let waiting = [...pending];
      let collectMs = 0;
      try {
        let lastCheck = performance.now();
        while (waiting.length > 0) {
          const c0 = performance.now();
          const frames = await client.mgetBuffer(...waiting.map((p) => keys.result(p.jobId)));
          const bad: Pending[] = [];
          waiting.forEach((p, i) => {
            const frame = frames[i];
            if (frame === null || frame === undefined) return;
            const r = readResultFrame(p.data, new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
            if (typeof r === 'string') {
              stats.discarded++;
              log(`${role}: discarded a result for slot ${p.index} of meta-step ${p.data.metaStep}: ${r}`);
              bad.push(p);
            } else {
              stats.resultBytes += frame.byteLength;
              results.set(p.index, r);
            }
          });
          if (bad.length > 0) {
            await client.del(...bad.map((p) => keys.result(p.jobId)));
            for (const p of bad) {
              p.redone++;
              p.jobId = `${jobIdOf(p.data)}.r${p.redone}`;
            }
            stats.resubmitted += bad.length;
            await submit(bad);
          }
          collectMs += performance.now() - c0;
          waiting = waiting.filter((p) => !results.has(p.index));
          if (waiting.length === 0) break;
          // Sleep until a worker signals a finished job (or the poll interval passes).
          await blocking.blpop(keys.done, Math.max(0.01, pollMs / 1000));
          if (performance.now() - lastCheck >= pollMs) {
            await checkJobs(waiting, phiVersion, phiFrame);
            lastCheck = performance.now();
          }
        }
      } catch (e) {
        for (const r of results.values()) tf.dispose([r.metaGradient, r.slot.tensors] as tf.TensorContainer[]);
        throw e;
      }
      const c0 = performance.now();
      const m = client.multi();
      for (const p of pending) m.del(keys.result(p.jobId), keys.slot(p.data.metaStep, p.index));
      m.del(keys.done);
      await m.exec();
      collectMs += performance.now() - c0;
      stats.collectSeconds += collectMs / 1000;
      stats.waitSeconds += (performance.now() - t1 - collectMs) / 1000;
      stats.metaSteps++;
      return pending.map((p) => results.get(p.index)!);
    },
    async close() {
      if (started) {
        try {
          await started;
          const m = client.multi();
          if (lastPhiVersion !== undefined) m.del(keys.phi(lastPhiVersion));
          m.del(keys.spec, keys.done);
          await m.exec();
          await queue?.close();
        } catch {
          // closing anyway
        }
      }
      client.disconnect();
      blocking.disconnect();
    },
    dispose() {
      void this.close();
    },
  };
}
