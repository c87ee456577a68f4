import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { gacOptimizer } from '@l2o/optimizer-gac';
import {
  denseMemoryInit,
  denseMemoryRead,
  denseMemoryWrite,
  lowRankMemoryInit,
  lowRankMemoryRead,
  lowRankMemoryWrite,
  type DenseMemory,
  type LowRankMemory,
} from './memory.js';
import { ntmBfgsOptimizer } from './ntm-bfgs-optimizer.js';

/**
 * Measures ms per step of the memory (3 writes + 1 read) and of a whole optimizer update on this machine's wasm
 * backend, printing the markdown tables of the README. Opt-in (slow): L2O_BENCH=1 npx vitest run src/step-time.test.ts
 */
const enabled = process.env['L2O_BENCH'] === '1';

beforeAll(async () => {
  if (enabled) await initEngine('wasm');
});

function median(f: () => void, reps = 9): number {
  for (let i = 0; i < 2; i++) f();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(reps / 2)]!;
}

describe.skipIf(!enabled)('step time (wasm)', () => {
  it('memory write (3 heads) + read (1 head)', () => {
    const rows: string[] = [
      '| form | n | K | state floats | MB | ms per write+read |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
    ];
    const rng = Rng.seeded(1);
    for (const n of [256, 1024, 2048, 4096]) {
      const mem = denseMemoryInit(n, 1);
      const a = tf.tensor2d(rng.normalArray(3 * n), [n, 3]);
      const b = tf.tensor2d(rng.normalArray(3 * n), [n, 3]);
      const r = tf.tensor2d(rng.normalArray(n), [n, 1]);
      const ms = median(() => {
        const m2 = denseMemoryWrite(mem, a, b);
        const v = denseMemoryRead(m2, r);
        v.dataSync();
        tf.dispose([m2 as DenseMemory, v]);
      });
      rows.push(`| dense | ${n} | — | n² = ${n * n} | ${((n * n * 4) / 2 ** 20).toFixed(1)} | ${ms.toFixed(2)} |`);
      tf.dispose([mem, a, b, r]);
    }
    for (const n of [1024, 4096, 15910]) {
      for (const K of [6, 30, 90]) {
        const mem = lowRankMemoryInit(n, K);
        const a = tf.tensor2d(rng.normalArray(3 * n), [n, 3]);
        const b = tf.tensor2d(rng.normalArray(3 * n), [n, 3]);
        const r = tf.tensor2d(rng.normalArray(n), [n, 1]);
        const ms = median(() => {
          const m2 = lowRankMemoryWrite(mem, a, b);
          const v = lowRankMemoryRead(m2, r, 1);
          v.dataSync();
          tf.dispose([m2 as LowRankMemory, v]);
        });
        rows.push(
          `| low-rank | ${n} | ${K} | 2Kn = ${2 * K * n} | ${((2 * K * n * 4) / 2 ** 20).toFixed(2)} | ${ms.toFixed(2)} |`,
        );
        tf.dispose([mem, a, b, r]);
      }
    }
    console.log(rows.join('\n'));
    expect(rows.length).toBeGreaterThan(2);
  });

  it('whole optimizer update (default 2×20 controller)', () => {
    const rows: string[] = ['| optimizer | n | ms per update |', '| --- | ---: | ---: |'];
    const cases: [string, ReturnType<typeof gacOptimizer> | ReturnType<typeof ntmBfgsOptimizer>, number][] = [
      ['lstm-gac', gacOptimizer(), 1024],
      ['ntm-bfgs dense', ntmBfgsOptimizer({ memory: 'dense' }), 1024],
      ['ntm-bfgs low-rank K=30', ntmBfgsOptimizer({ window: 30 }), 1024],
      ['lstm-gac', gacOptimizer(), 15910],
      ['ntm-bfgs low-rank K=30', ntmBfgsOptimizer({ window: 30 }), 15910],
      ['ntm-bfgs low-rank K=90', ntmBfgsOptimizer({ window: 90 }), 15910],
    ];
    const rng = Rng.seeded(2);
    for (const [label, learned, n] of cases) {
      const phi = learned.initMetaParams(Rng.seeded(1));
      const opt = (learned as ReturnType<typeof ntmBfgsOptimizer>).withMetaParams(phi);
      const params: TensorMap = { x: tf.zeros([n]) };
      const grads: TensorMap = { x: tf.tensor1d(rng.normalArray(n)) };
      const state = opt.init(params);
      const ms = median(() => {
        const step = opt.update(grads, state, params);
        step.updates['x']!.dataSync();
        disposeMap(step.updates);
        tf.dispose(step.state);
      });
      rows.push(`| ${label} | ${n} | ${ms.toFixed(1)} |`);
      tf.dispose(state);
      disposeMap(params);
      disposeMap(grads);
      disposeMap(phi);
    }
    console.log(rows.join('\n'));
    expect(rows.length).toBeGreaterThan(2);
  });
});
