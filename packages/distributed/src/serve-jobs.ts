import * as tf from '@tensorflow/tfjs';
import {
  type BatchData,
  type JsonObject,
  L2oError,
  type LearnedOptimizer,
  type MetaGradientEstimator,
  type Optimizee,
  type OptimizeeFamily,
  type TensorMap,
} from '@l2o/core';
import { ensureEngine, estimatorFromConfig, type MetaSlot, slotProblem } from '@l2o/core/extend';
import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import {
  DEFAULT_PREFIX,
  DISTRIBUTED_PROTOCOL,
  L2O_VERSION,
  QUEUE_NAME,
  frameCrc,
  hex,
  runKeys,
  unpackContainer,
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
import { estimateToFrame, unpackSlot } from './job-compute.js';

/** What a worker rebuilds from a run's `task` description. */
export interface ResolvedRun {
  readonly learned: LearnedOptimizer;
  readonly family: OptimizeeFamily<BatchData>;
}

/** A line of a worker's progress. */
export interface WorkerEvent {
  readonly kind: 'ready' | 'job-start' | 'job-done' | 'job-refused';
  readonly runId?: string;
  readonly metaStep?: number;
  readonly index?: number;
  /** Jobs done by this worker so far. */
  readonly jobsDone: number;
  readonly seconds?: number;
  readonly message?: string;
}

export interface ServeJobsOptions {
  /** The learner's Redis: `redis://host:port`. */
  readonly connection: string;
  /** Rebuilds a run's learned optimizer and training family from the learner's `task` (throw to refuse the run). */
  readonly resolveRun: (task: JsonObject) => ResolvedRun;
  /** Prefix of every Redis key (default 'l2o'); as the learner's. */
  readonly prefix?: string;
  /**
   * Ms a job stays locked to this worker without a renewal; past it (the worker died) BullMQ hands the job to
   * another worker. Must exceed the time of one job's compute, which holds the event loop. Default 60,000.
   */
  readonly lockDuration?: number;
  /** Ms between BullMQ's checks for stalled jobs (of dead workers). Default 15,000. */
  readonly stalledInterval?: number;
  /** Times a job may be recovered from a dead worker before it fails. Default 5. */
  readonly maxStalledCount?: number;
  /** Seconds to wait for Redis at start before exiting with a clear error. Default 10. */
  readonly connectTimeoutSeconds?: number;
  /** Progress lines (job started/done, refusals). Default: none. */
  readonly onEvent?: (event: WorkerEvent) => void;
  /** Called before each estimate (to log, or — in tests — to hold a job so the worker can be killed mid-job). */
  readonly beforeEstimate?: (data: JobData) => void | Promise<void>;
  /** Notes (Redis outages). Default: stderr. */
  readonly log?: LogFn;
  /** Problems kept between jobs (an episode's problem is drawn once and reused by its later truncations). Default 64. */
  readonly cachedProblems?: number;
}

export interface JobServer {
  /** Resolves when closed; rejects when the worker must stop (a job of an incompatible l2o version). */
  readonly done: Promise<void>;
  readonly jobsDone: () => number;
  close(): Promise<void>;
}

interface RunEntry {
  readonly specJson: string;
  readonly estimator: MetaGradientEstimator;
  readonly family: OptimizeeFamily<BatchData>;
}

/**
 * A worker: serves meta-step jobs from the learner's Redis until closed. Per job it reads φ (cached per version),
 * the slot and the run's spec (rebuilding the learned optimizer and family through `resolveRun`, the estimator
 * through core's `estimatorFromConfig`), runs the estimator and stores the result as a CRC-checked binary frame.
 * Refuses to start against an unreachable or foreign Redis or one of another l2o version (the promise rejects with a
 * message saying so); a job of another l2o version makes `done` reject. Jobs of unknown runs or of an old φ version
 * are refused (failed without retry).
 */
export async function serveJobs(options: ServeJobsOptions): Promise<JobServer> {
  const url = checkRedisUrl(options.connection);
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  const log = options.log ?? stderrLog;
  const role = 'l2o worker';
  await ensureEngine('serveJobs');
  const client = waitingClient(url, role, log);
  await connectOnce(client, url, role, (options.connectTimeoutSeconds ?? 10) * 1000);
  try {
    await checkDeployment(client, prefix, role, url);
  } catch (e) {
    client.disconnect();
    throw e;
  }
  const runs = new Map<string, RunEntry>();
  const problems = new Map<string, Optimizee<BatchData>>();
  const maxProblems = options.cachedProblems ?? 64;
  let phiCache: { key: string; phi: TensorMap } | undefined;
  let jobsDone = 0;
  let fail: (e: Error) => void = () => undefined;
  let closeResolve: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    fail = reject;
    closeResolve = resolve;
  });

  const runEntry = async (runId: string): Promise<RunEntry> => {
    const keys = runKeys(prefix, runId);
    const specJson = await client.get(keys.spec);
    if (specJson === null) {
      throw new UnrecoverableError(`run ${runId} is not on this Redis (a job of a finished or another learner's run)`);
    }
    const cached = runs.get(runId);
    if (cached && cached.specJson === specJson) return cached;
    const spec = JSON.parse(specJson) as RunSpec;
    if (spec.protocol !== DISTRIBUTED_PROTOCOL || spec.l2oVersion !== L2O_VERSION) {
      throw new IncompatibleError(spec.l2oVersion, spec.protocol);
    }
    const backend = tf.getBackend();
    if (spec.backend !== backend) {
      log(
        `${role}: run ${runId}'s learner uses the ${spec.backend} backend, this worker ${backend}: results will differ in the last bits from an in-process run`,
      );
    }
    const { learned, family } = options.resolveRun(spec.task);
    const entry: RunEntry = { specJson, estimator: estimatorFromConfig(learned, spec.estimator), family };
    runs.set(runId, entry);
    return entry;
  };

  const loadPhi = async (runId: string, version: string): Promise<TensorMap> => {
    const key = runKeys(prefix, runId).phi(version);
    if (phiCache?.key === key) return phiCache.phi;
    const frame = await client.getBuffer(key);
    if (frame === null) throw new UnrecoverableError(`stale job: φ version ${version} of run ${runId} is gone`);
    const { value } = unpackContainer(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
    if (phiCache) tf.dispose(phiCache.phi as unknown as tf.TensorContainer);
    phiCache = { key, phi: value as unknown as TensorMap };
    return phiCache.phi;
  };

  const problemFor = (runId: string, entry: RunEntry, slot: MetaSlot): Optimizee<BatchData> => {
    const key = `${runId}:${slot.info.episode}`;
    let p = problems.get(key);
    if (p === undefined) {
      p = slotProblem(entry.family, slot.info);
      problems.set(key, p);
      if (problems.size > maxProblems) {
        const [oldKey, old] = problems.entries().next().value as [string, Optimizee<BatchData>];
        old.dispose?.();
        problems.delete(oldKey);
      }
    }
    return p;
  };

  const process = async (job: Job<JobData>, token?: string): Promise<{ bytes: number }> => {
    try {
      return await serve(job);
    } catch (e) {
      if (!(e instanceof IncompatibleError)) throw e;
      // Not this worker's job: hand it back untouched for a worker of the learner's version, and stop.
      await job.moveToWait(token);
      fail(e);
      throw new WaitingError();
    }
  };

  const serve = async (job: Job<JobData>): Promise<{ bytes: number }> => {
    const d = job.data;
    if (d.protocol !== DISTRIBUTED_PROTOCOL || d.l2oVersion !== L2O_VERSION) {
      throw new IncompatibleError(d.l2oVersion, d.protocol);
    }
    options.onEvent?.({ kind: 'job-start', runId: d.runId, metaStep: d.metaStep, index: d.index, jobsDone });
    const t0 = performance.now();
    const entry = await runEntry(d.runId);
    const phi = await loadPhi(d.runId, d.phiVersion);
    const keys = runKeys(prefix, d.runId);
    const slotFrame = await client.getBuffer(keys.slot(d.metaStep, d.index));
    if (slotFrame === null) throw new UnrecoverableError(`stale job: the slot of ${job.id} is gone`);
    const slotBytes = new Uint8Array(slotFrame.buffer, slotFrame.byteOffset, slotFrame.byteLength);
    if (slotBytes.byteLength < 4 || hex(frameCrc(slotBytes)) !== d.slotHash) {
      throw new UnrecoverableError(`stale job: the slot stored for ${job.id} is not the one the job names`);
    }
    const slot = unpackSlot(slotBytes);
    try {
      await options.beforeEstimate?.(d);
    } catch (e) {
      if (slot.tensors !== null) tf.dispose(slot.tensors);
      throw e;
    }
    const frame = estimateToFrame(entry.estimator, phi, slot, problemFor(d.runId, entry, slot), d);
    const m = client.multi();
    m.set(keys.result(String(job.id)), Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), 'EX', 3600);
    m.rpush(keys.done, String(job.id));
    m.expire(keys.done, 3600);
    await m.exec();
    jobsDone++;
    options.onEvent?.({
      kind: 'job-done',
      runId: d.runId,
      metaStep: d.metaStep,
      index: d.index,
      jobsDone,
      seconds: (performance.now() - t0) / 1000,
    });
    return { bytes: frame.byteLength };
  };

  const worker = new Worker<JobData>(QUEUE_NAME, process, {
    connection: client,
    prefix,
    concurrency: 1,
    lockDuration: options.lockDuration ?? 60_000,
    stalledInterval: options.stalledInterval ?? 15_000,
    maxStalledCount: options.maxStalledCount ?? 5,
    autorun: false,
  });
  worker.on('error', () => undefined); // outages are reported by the client's listener
  worker.on('failed', (job, err) => {
    options.onEvent?.({
      kind: 'job-refused',
      runId: job?.data.runId,
      metaStep: job?.data.metaStep,
      index: job?.data.index,
      jobsDone,
      message: err.message,
    });
  });
  void worker.run().catch((e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
  options.onEvent?.({ kind: 'ready', jobsDone });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await worker.close();
    client.disconnect();
    for (const p of problems.values()) p.dispose?.();
    problems.clear();
    if (phiCache) tf.dispose(phiCache.phi as unknown as tf.TensorContainer);
    phiCache = undefined;
    closeResolve();
  };
  return { done, jobsDone: () => jobsDone, close };
}

/** A job or run of another l2o version: the worker must stop (it cannot serve that learner). */
export class IncompatibleError extends L2oError {
  constructor(version: unknown, protocol: unknown) {
    super(
      'INCOMPATIBLE',
      `incompatible l2o: the learner runs l2o ${String(version)} (protocol ${String(protocol)}), this worker l2o ${L2O_VERSION} (protocol ${DISTRIBUTED_PROTOCOL}); install the same @l2o version everywhere`,
    );
    this.name = 'IncompatibleError';
  }
}
