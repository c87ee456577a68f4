import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { engineInfo, type JsonObject, L2oError } from '@l2o/core';
import type { BackendName, MetaGradientEstimate, MetaStepExecutor, MetaStepRequest } from '@l2o/core/extend';
import { packSlot, readResultFrame, type ResultKey } from './job-compute.js';
import { hex, frameCrc, packPhi } from './protocol.js';
import type { ThreadJob, ThreadReply, ThreadStart } from './thread-worker.js';

export interface ThreadExecutorOptions {
  /** Worker threads (each runs one task at a time, single-threaded). Default 2. */
  readonly threads?: number;
  /**
   * The ES module (absolute path or file: URL) whose export `exportName` (default 'resolveRun') rebuilds the
   * learned optimizer and family from `task`, as a `serveJobs` worker's `resolveRun` does: threads cannot share
   * functions with the main thread, so each imports it.
   */
  readonly module: string;
  readonly exportName?: string;
  /** Handed to the resolver in every thread. */
  readonly task: JsonObject;
}

/**
 * This process's Node flags without custom export conditions: a thread runs the built packages, not sources a
 * test runner's `--conditions` would point it at.
 */
function plainExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--conditions' || a === '-C') i++;
    else if (!a.startsWith('--conditions=') && !a.startsWith('-C=')) out.push(a);
  }
  return out;
}

/** The built thread body: next to this file in dist, or in ../dist when running from the sources (tests). */
function threadScript(): string {
  const here = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  const beside = join(dirname(here), 'thread-worker.js');
  if (existsSync(beside)) return beside;
  const built = join(dirname(here), '..', 'dist', 'thread-worker.js');
  if (existsSync(built)) return built;
  throw new L2oError(
    'NOT_FOUND',
    `threadExecutor: cannot find thread-worker.js beside ${here} (build @l2o/distributed first)`,
  );
}

/**
 * Runs a meta-step's slots on worker threads of this process: slot i on thread i mod `threads`, through the same
 * frames as the distributed executor, results in slot order — so φ is bit-identical to the in-process run. Uses
 * the cores of one machine without a Redis; call `dispose()` to stop the threads.
 */
export function threadExecutor(options: ThreadExecutorOptions): MetaStepExecutor {
  const n = options.threads ?? 2;
  if (!Number.isInteger(n) || n < 1)
    throw new L2oError('INVALID_OPTION', `threads: must be a positive integer, got ${n}`);
  if (typeof options.module !== 'string' || options.module === '') {
    throw new L2oError(
      'INVALID_OPTION',
      'module: the path or file: URL of the module exporting resolveRun is required',
    );
  }
  let threads: { worker: Worker; ready: Promise<void>; phiVersion?: string }[] | undefined;
  const handlers = new Map<number, (r: ThreadReply) => void>();
  const start = () => {
    if (threads) return threads;
    const script = threadScript();
    const data: ThreadStart = {
      module: options.module,
      exportName: options.exportName ?? 'resolveRun',
      task: options.task,
      backend: (engineInfo()?.backend ?? tf.getBackend()) as BackendName,
    };
    threads = Array.from({ length: n }, () => {
      const worker = new Worker(script, { workerData: data, execArgv: plainExecArgv() });
      worker.on('error', (e) => {
        for (const [index, h] of [...handlers]) h({ kind: 'error', index, message: e.message });
      });
      const ready = new Promise<void>((resolve, reject) => {
        const first = (r: ThreadReply): void => {
          worker.off('message', first);
          if (r.kind === 'ready') resolve();
          else
            reject(
              new L2oError(
                'INTERNAL',
                `threadExecutor: a thread failed to start: ${r.kind === 'error' ? r.message : r.kind}`,
              ),
            );
        };
        worker.on('message', first);
        worker.once('error', reject);
      });
      ready.then(
        () =>
          worker.on('message', (r: ThreadReply) => {
            if (r.kind !== 'ready') handlers.get(r.index)?.(r);
          }),
        () => undefined, // reported by run()
      );
      return { worker, ready };
    });
    return threads;
  };
  return {
    name: `threads(${n})`,
    async run(request: MetaStepRequest): Promise<readonly MetaGradientEstimate[]> {
      const ts = start();
      await Promise.all(ts.map((t) => t.ready));
      const { frame: phiFrame, version } = packPhi(request.phi, request.metaStep);
      const out = await Promise.all(
        request.slots.map(async (slot, index) => {
          const slotFrame = packSlot(slot);
          const key: ResultKey = {
            runId: 'threads',
            metaStep: request.metaStep,
            phiVersion: version,
            index,
            slotHash: hex(frameCrc(slotFrame)),
          };
          const t = ts[index % n]!;
          const job: ThreadJob = {
            key,
            estimator: request.estimator.config,
            slotFrame,
            ...(t.phiVersion === version ? {} : { phiFrame }),
          };
          t.phiVersion = version;
          const reply = new Promise<ThreadReply>((resolve) => handlers.set(index, resolve));
          t.worker.postMessage(job);
          const r = await reply;
          handlers.delete(index);
          if (r.kind === 'error')
            throw new L2oError('INTERNAL', `threadExecutor: slot ${index} failed in a thread: ${r.message}`);
          if (r.kind !== 'result') throw new L2oError('INTERNAL', `threadExecutor: unexpected reply ${r.kind}`);
          const est = readResultFrame(key, r.frame);
          if (typeof est === 'string')
            throw new L2oError('INVALID_DATA', `threadExecutor: bad result for slot ${index}: ${est}`);
          return est;
        }),
      );
      return out;
    },
    dispose() {
      for (const t of threads ?? []) void t.worker.terminate();
      threads = undefined;
      handlers.clear();
    },
  };
}
