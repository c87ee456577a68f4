/**
 * The body of a {@link threadExecutor} thread (built to dist/thread-worker.js and started by the executor; not
 * part of the public API): rebuilds the run from the resolver module, then answers each job message with a result
 * frame, exactly as a `serveJobs` worker would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  type BatchData,
  initEngine,
  type JsonObject,
  L2oError,
  type MetaGradientEstimator,
  type Optimizee,
  type TensorMap,
} from '@l2o/core';
import { type BackendName, estimatorFromConfig, slotProblem } from '@l2o/core/extend';
import { estimateToFrame, unpackSlot, type ResultKey } from './job-compute.js';
import { unpackContainer } from './protocol.js';
import type { ResolvedRun } from './serve-jobs.js';

/** What the executor hands a thread at start. */
export interface ThreadStart {
  readonly module: string;
  readonly exportName: string;
  readonly task: JsonObject;
  readonly backend: BackendName;
}

/** One job for a thread; φ's frame comes with the first job of each version. */
export interface ThreadJob {
  readonly key: ResultKey;
  readonly estimator: JsonObject;
  readonly phiFrame?: Uint8Array;
  readonly slotFrame: Uint8Array;
}

export type ThreadReply =
  | { readonly kind: 'ready' }
  | { readonly kind: 'result'; readonly index: number; readonly frame: Uint8Array }
  | { readonly kind: 'error'; readonly index: number; readonly message: string };

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new L2oError('INVALID_STATE', 'thread-worker: not started as a worker thread');
  const start = workerData as ThreadStart;
  await initEngine(start.backend);
  const url = start.module.startsWith('file:') ? start.module : pathToFileURL(start.module).href;
  const mod = (await import(url)) as Record<string, unknown>;
  const resolve = mod[start.exportName];
  if (typeof resolve !== 'function') {
    throw new L2oError('NOT_FOUND', `threadExecutor: ${start.module} exports no function "${start.exportName}"`);
  }
  const run = (resolve as (task: JsonObject) => ResolvedRun)(start.task);
  let estimator: { config: string; estimator: MetaGradientEstimator } | undefined;
  let phi: { version: string; phi: TensorMap } | undefined;
  const problems = new Map<number, Optimizee<BatchData>>();
  port.on('message', (job: ThreadJob) => {
    try {
      const config = JSON.stringify(job.estimator);
      if (estimator?.config !== config)
        estimator = { config, estimator: estimatorFromConfig(run.learned, job.estimator) };
      if (job.phiFrame) {
        if (phi) tf.dispose(phi.phi as unknown as tf.TensorContainer);
        phi = { version: job.key.phiVersion, phi: unpackContainer(job.phiFrame).value as unknown as TensorMap };
      }
      if (phi?.version !== job.key.phiVersion)
        throw new L2oError('NOT_FOUND', `no φ of version ${job.key.phiVersion} in this thread`);
      const slot = unpackSlot(job.slotFrame);
      let problem = problems.get(slot.info.episode);
      if (problem === undefined) {
        problem = slotProblem(run.family, slot.info);
        problems.set(slot.info.episode, problem);
        if (problems.size > 64) {
          const [oldKey, old] = problems.entries().next().value as [number, Optimizee<BatchData>];
          old.dispose?.();
          problems.delete(oldKey);
        }
      }
      const frame = estimateToFrame(estimator.estimator, phi.phi, slot, problem, job.key);
      port.postMessage({ kind: 'result', index: job.key.index, frame } satisfies ThreadReply, [
        frame.buffer as ArrayBuffer,
      ]);
    } catch (e) {
      port.postMessage({
        kind: 'error',
        index: job.key.index,
        message: e instanceof Error ? e.message : String(e),
      } satisfies ThreadReply);
    }
  });
  port.postMessage({ kind: 'ready' } satisfies ThreadReply);
}

main().catch((e: unknown) => {
  parentPort?.postMessage({ kind: 'error', index: -1, message: e instanceof Error ? e.message : String(e) });
});
