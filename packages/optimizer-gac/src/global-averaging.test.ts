import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { disposeMap, initEngine, Rng, type TensorMap } from '@l2o/core';
import { flattenMap } from '@l2o/core/extend';
import { lstmCell, lstmParamNames, preprocessGradients } from '@l2o/optimizer-lstm/extend';
import { resolveGacConfig } from './config.js';
import { gacLayers, type GacState } from './gac-network.js';
import { gacOptimizer } from './gac-optimizer.js';
import { averagingSegments, globalAverage } from './global-averaging.js';

beforeAll(async () => {
  await initEngine('wasm');
});

function rows(t: tf.Tensor2D): number[][] {
  return t.arraySync();
}

/** Checks out = h with columns < k replaced by the float64 mean of each segment's rows; other columns bit-identical. */
function expectAveraged(out: number[][], plain: number[][], k: number, segments: number[]): void {
  let row0 = 0;
  for (const size of segments) {
    for (let j = 0; j < plain[0]!.length; j++) {
      if (j < k) {
        let mean = 0;
        for (let i = row0; i < row0 + size; i++) mean += plain[i]![j]!;
        mean /= size;
        for (let i = row0; i < row0 + size; i++) {
          expect(Object.is(out[i]![j], out[row0]![j]), 'every coordinate of a group carries the same value').toBe(true);
          expect(Math.abs(out[i]![j]! - mean)).toBeLessThan(3e-7); // float32 rounding of a mean of values in (−1, 1)
        }
      } else {
        for (let i = row0; i < row0 + size; i++) expect(Object.is(out[i]![j], plain[i]![j])).toBe(true);
      }
    }
    row0 += size;
  }
}

describe('globalAverage', () => {
  it('replaces the first k columns by their mean (all rows, or per segment); leaves the rest bit-identical', () => {
    const rng = Rng.seeded(3);
    const h = tf.tensor2d(rng.uniformArray(13 * 6, -1, 1), [13, 6]);
    for (const [k, segs] of [
      [2, [13]],
      [6, [13]],
      [3, [4, 9]],
      [1, [1, 5, 7]],
    ] as const) {
      const out = globalAverage(h, k, segs);
      expectAveraged(rows(out), rows(h), k, [...segs]);
      out.dispose();
    }
    const zero = globalAverage(h, 0);
    expect(rows(zero)).toEqual(rows(h));
    zero.dispose();
    expect(() => globalAverage(h, 7)).toThrow(/globalCells must be an integer in \[0, 6\]/);
    expect(() => globalAverage(h, 2, [5, 5])).toThrow(/segments must be positive integers summing to the 13 rows/);
    h.dispose();
  });

  it('averagingSegments follows flattenMap order', () => {
    const m: TensorMap = { z: tf.zeros([2, 3]), a: tf.zeros([4]) };
    expect(averagingSegments(m, 'all')).toEqual([10]);
    expect(averagingSegments(m, 'per-tensor')).toEqual([4, 6]);
    disposeMap(m);
  });
});

describe('LSTM+GAC layers', () => {
  for (const averaging of ['all', 'per-tensor'] as const) {
    it(`the global cells of every layer carry the cross-coordinate mean (${averaging}), against a direct computation`, () => {
      const cfg = resolveGacConfig({ hiddenSizes: [7, 5], globalCells: [3, 2], averaging });
      const learned = gacOptimizer(cfg);
      const phi = learned.initMetaParams(Rng.seeded(9));
      const rng = Rng.seeded(4);
      const grads: TensorMap = { a: tf.tensor1d(rng.normalArray(6)), b: tf.tensor2d(rng.normalArray(15), [3, 5]) };
      const n = 21;
      const segments = averagingSegments(grads, averaging);
      // a non-trivial state, so the recurrent path is exercised too
      const state: GacState = {
        h: cfg.hiddenSizes.map((hs) => tf.tensor2d(rng.uniformArray(n * hs, -0.5, 0.5), [n, hs])),
        c: cfg.hiddenSizes.map((hs) => tf.tensor2d(rng.uniformArray(n * hs, -1, 1), [n, hs])),
      };
      const g = flattenMap(grads);
      const input = preprocessGradients(g, cfg);
      const before = tf.memory().numTensors;
      const out = gacLayers(phi, cfg, input, state, segments);
      let x = input;
      cfg.hiddenSizes.forEach((_, l) => {
        const nm = lstmParamNames(l);
        const plain = lstmCell(
          x,
          state.h[l]!,
          state.c[l]!,
          phi[nm.wx] as tf.Tensor2D,
          phi[nm.wh] as tf.Tensor2D,
          phi[nm.b] as tf.Tensor1D,
        );
        expectAveraged(rows(out.state.h[l]!), rows(plain.h), cfg.globalCells[l]!, segments);
        expect(rows(out.state.c[l]!)).toEqual(rows(plain.c)); // c is not averaged
        tf.dispose([plain.h, plain.c]);
        x = out.state.h[l]!; // the next layer sees the averaged activations
      });
      expect(out.top).toBe(out.state.h[1]);
      tf.dispose(out.state);
      expect(tf.memory().numTensors).toBe(before);
      if (averaging === 'per-tensor') expect(segments).toEqual([6, 15]);
      tf.dispose([g, input, state]);
      disposeMap(grads);
      disposeMap(phi);
    });
  }
});
