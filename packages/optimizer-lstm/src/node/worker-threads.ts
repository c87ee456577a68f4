import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KERNEL_HELPER_LOOP, registerKernelThreads, type KernelThreadHost } from '../fused/wasm-kernel.js';

const BOOTSTRAP = `const { module, memory, control } = require('node:worker_threads').workerData;\n${KERNEL_HELPER_LOOP}`;

/** Helper threads for 2-thread fused kernels on Node's worker_threads (they do not keep the process alive). */
export const nodeKernelThreads: KernelThreadHost = {
  parallelism: () => availableParallelism(),
  spawn(data): void {
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data });
    worker.unref();
  },
};

/** Registers {@link nodeKernelThreads}: runs when `@l2o/optimizer-lstm` is loaded in Node; calling it again is harmless. */
export function registerNodeKernelThreads(): void {
  registerKernelThreads(nodeKernelThreads);
}
