import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { Rng } from '../../rng.js';

/**
 * Test helper: runs `fn` on the wasm backend and on the cpu backend (inputs must be built inside `fn` from plain
 * arrays), checks that neither run leaks tensors, and returns both results as plain arrays with their shapes
 * and dtypes. Leaves the wasm backend active.
 */
export interface Result {
  readonly shape: number[];
  readonly dtype: tf.DataType;
  readonly values: number[];
}

async function runOn(backend: 'wasm' | 'cpu', fn: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(fn);
  const list = Array.isArray(outs) ? outs : [outs];
  const results: Result[] = [];
  for (const t of list) {
    results.push({ shape: t.shape.slice(), dtype: t.dtype, values: Array.from(await t.data()) as number[] });
  }
  tf.dispose(list);
  expect(tf.memory().numTensors, `tensors leaked on ${backend}`).toBe(before);
  return results;
}

export async function onWasmAndCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<{ wasm: Result[]; cpu: Result[] }> {
  const cpu = await runOn('cpu', fn);
  const wasm = await runOn('wasm', fn);
  return { wasm, cpu };
}

/** Asserts equal shapes and dtypes and values within |a−b| ≤ atol + rtol·|b|. */
export function expectClose(actual: Result[], expected: Result[], rtol = 1e-5, atol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    expect(a.shape).toEqual(e.shape);
    expect(a.dtype).toBe(e.dtype);
    let worst = 0;
    let at = -1;
    for (let j = 0; j < e.values.length; j++) {
      const err = Math.abs(a.values[j]! - e.values[j]!) - rtol * Math.abs(e.values[j]!);
      const bad = Number.isNaN(a.values[j]!) !== Number.isNaN(e.values[j]!);
      if (bad || err > worst) {
        worst = bad ? Infinity : err;
        at = j;
      }
    }
    expect(worst, `output ${i} differs at flat index ${at}: ${a.values[at]} vs ${e.values[at]}`).toBeLessThanOrEqual(
      atol,
    );
  });
}

/** Deterministic uniform floats in [-1, 1) (drawn in JS, independent of either backend's RNG). */
export function randomValues(n: number, seed: number): Float32Array {
  return Rng.seeded(seed).uniformArray(n, -1, 1);
}
