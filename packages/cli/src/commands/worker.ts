import { checkRedisUrl, serveJobs, type WorkerEvent } from '@l2o/distributed';
import { UsageError, num, type FlagSpecs, type FlagValue } from '../args.js';
import { resolveTaskSpec } from './train.js';

export const WORKER_FLAGS: FlagSpecs = {
  'lock-seconds': {
    type: 'number',
    help: "seconds a job stays locked to this worker without a renewal (past it, a dead worker's job goes to another); must exceed one job's compute",
    default: 60,
    above: 0,
  },
  quiet: { type: 'boolean', help: 'no line per job (only start-up, refusals and errors)' },
};

/**
 * `l2o worker redis://host:port`: serves the meta-step jobs of every `l2o train --workers` learner on that Redis
 * until killed, a line per job. Exits non-zero on an unreachable, foreign or incompatible Redis.
 */
export async function runWorker(url: string, flags: Record<string, FlagValue>): Promise<void> {
  if (!url) throw new UsageError('worker: name the learner\'s Redis, e.g. "l2o worker redis://10.0.0.5:6379"');
  try {
    checkRedisUrl(url, 'worker');
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const quiet = Boolean(flags['quiet']);
  const started = Date.now();
  const line = (m: string): void => void process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  const server = await serveJobs({
    connection: url,
    resolveRun: resolveTaskSpec,
    lockDuration: num(flags['lock-seconds']) * 1000,
    stalledInterval: Math.min(15_000, num(flags['lock-seconds']) * 500),
    log: line,
    onEvent: (e: WorkerEvent) => {
      if (e.kind === 'ready') line(`l2o worker: serving ${url} (Ctrl-C to stop)`);
      if (e.kind === 'job-refused') line(`refused a job of run ${e.runId} (meta-step ${e.metaStep}): ${e.message}`);
      if (e.kind === 'job-done' && !quiet) {
        const rate = e.jobsDone / Math.max(1e-9, (Date.now() - started) / 1000);
        line(
          `run ${e.runId} meta-step ${e.metaStep} task ${e.index}: ${(e.seconds ?? 0).toFixed(2)} s (${e.jobsDone} jobs, ${rate.toFixed(2)}/s)`,
        );
      }
    },
  });
  const stop = (): void => {
    line('l2o worker: stopping after the job in hand');
    void server.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await server.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server.close();
  }
}
