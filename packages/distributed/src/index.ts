export { bullmqExecutor } from './bullmq-executor.js';
export type { BullmqExecutor, BullmqExecutorOptions, BullmqExecutorStats } from './bullmq-executor.js';
export { serveJobs, IncompatibleError } from './serve-jobs.js';
export { threadExecutor } from './thread-executor.js';
export type { ThreadExecutorOptions } from './thread-executor.js';
export type { JobServer, ResolvedRun, ServeJobsOptions, WorkerEvent } from './serve-jobs.js';
export {
  DEFAULT_PREFIX,
  DISTRIBUTED_PROTOCOL,
  L2O_VERSION,
  QUEUE_NAME,
  checkRunId,
  jobIdOf,
  packContainer,
  packPhi,
  runKeys,
  unpackContainer,
} from './protocol.js';
export type { DeploymentMarker, JobData, RunSpec } from './protocol.js';
export { checkRedisUrl, redactUrl } from './redis-connection.js';
export type { LogFn } from './redis-connection.js';
