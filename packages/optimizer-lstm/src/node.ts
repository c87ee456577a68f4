/**
 * `@l2o/optimizer-lstm/node`: the Node-only part of the LSTM optimizer, artifacts on disk (`saveLstmOptimizer`,
 * `loadLstmOptimizer`). Everything else is in `@l2o/optimizer-lstm`, which runs anywhere; in Node its `node`
 * export condition also starts the 2-thread fused kernels' helpers on worker_threads.
 */
export { saveLstmOptimizer, loadLstmOptimizer } from './node/save-load.js';
export { nodeKernelThreads, registerNodeKernelThreads } from './node/worker-threads.js';
