// `@l2o/optimizer-lstm` in Node (the `node` export condition): the platform-neutral main entry, with helper
// threads on worker_threads for the 2-thread fused kernels.
import { registerNodeKernelThreads } from './node/worker-threads.js';

registerNodeKernelThreads();

export * from './index.js';
