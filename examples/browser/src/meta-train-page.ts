import * as tf from '@tensorflow/tfjs';
import { evaluate, memoryCheckpointStore, metaTrain, type MetaTrainProgress, Rng } from '@l2o/core';
import { lstmOptimizer } from '@l2o/optimizer-lstm';
import { quadraticFamily } from '@l2o/optimizee-quadratic';
import { drawCurves } from './chart.js';
import { numberParam, startEngine } from './engine.js';

interface MetaPageResult {
  status: 'running' | 'done' | 'failed';
  backend?: string;
  epochsDone?: number;
  metaLosses: number[];
  /** Mean final loss on fresh problems: the initial φ and the meta-trained one. */
  before?: number;
  after?: number;
  error?: string;
}
const result: MetaPageResult = { status: 'running', metaLosses: [] };
(globalThis as { l2oMeta?: MetaPageResult }).l2oMeta = result;

const status = document.getElementById('status')!;
const progress = document.getElementById('progress') as HTMLProgressElement;
const chart = document.getElementById('chart') as unknown as SVGSVGElement;

async function run(): Promise<void> {
  const epochs = numberParam('epochs', 20);
  const info = await startEngine();
  result.backend = info.backend;
  const learned = lstmOptimizer({ hiddenSizes: [8, 8], outputScale: 0.1 });
  const family = quadraticFamily({ functions: 8 });
  const horizon = 20;
  const t0 = performance.now();
  const onProgress = (e: MetaTrainProgress): void => {
    if (e.kind !== 'epoch') return;
    result.metaLosses.push(e.metaLoss ?? Number.NaN);
    progress.value = e.epoch / epochs;
    const seconds = (performance.now() - t0) / 1000;
    const eta = (seconds / e.epoch) * (epochs - e.epoch);
    status.textContent = `epoch ${e.epoch} / ${epochs} on ${info.backend}: meta-loss ${(e.metaLoss ?? Number.NaN).toFixed(3)} — ${seconds.toFixed(1)} s, about ${eta.toFixed(0)} s left`;
    drawCurves(
      chart,
      [{ name: 'meta-loss', color: '#009e73', values: result.metaLosses }],
      epochs,
      'meta-loss per epoch',
      'epoch',
      1,
    );
  };
  const initial = learned.initMetaParams(Rng.seeded(0));
  const run = await metaTrain({
    learned,
    family,
    epochs,
    horizon,
    unroll: 5,
    seed: 0,
    validationProblems: 2,
    validateEvery: Math.max(1, Math.floor(epochs / 4)),
    initialMetaParams: initial,
    checkpointStore: memoryCheckpointStore('page memory'),
    onProgress,
  });
  result.epochsDone = run.epochsDone;
  status.textContent = 'Comparing the trained optimizer with its starting point on fresh problems…';
  const evaluation = await evaluate({
    family,
    problems: 4,
    steps: horizon,
    seed: 99,
    optimizers: [
      { name: 'initial φ', optimizer: learned.withMetaParams(initial) },
      { name: 'meta-trained φ', optimizer: learned.withMetaParams(run.metaParams) },
    ],
  });
  const finalOf = (k: number): number => evaluation.curves[k]!.mean.at(-1)!;
  result.before = finalOf(0);
  result.after = finalOf(1);
  status.textContent =
    `Done: ${run.epochsDone} epochs on ${info.backend} in ${((performance.now() - t0) / 1000).toFixed(1)} s. ` +
    `Loss after ${horizon} steps on fresh problems: ${result.before.toFixed(3)} with the initial φ, ` +
    `${result.after.toFixed(3)} meta-trained.`;
  progress.value = 1;
  tf.dispose([Object.values(initial), Object.values(run.metaParams), Object.values(run.lastMetaParams)]);
}

run().then(
  () => {
    result.status = 'done';
    document.body.dataset['status'] = 'done';
  },
  (e: unknown) => {
    result.status = 'failed';
    result.error = e instanceof Error ? e.message : String(e);
    status.textContent = `Failed: ${result.error}`;
    document.body.dataset['status'] = 'failed';
    console.error(e);
  },
);
