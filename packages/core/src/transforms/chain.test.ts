import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import type { Optimizer, TensorMap } from '../types.js';
import { chain } from './chain.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { scale } from './scale.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { trace } from './trace.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

const params = { x: [0, 0] };
const grads = [{ x: [1, -2] }, { x: [2, 2] }, { x: [-4, 0.5] }];

describe('chain', () => {
  it('feeds each part the previous part’s output: trace then −α equals −α·trace, states kept in order', () => {
    const run = runSteps(chain(trace({ decay: 0.5 }), scaleByLearningRate(0.5)), params, grads);
    const alone = runSteps(trace({ decay: 0.5 }), params, grads);
    expect(run.updates).toEqual(alone.updates.map((u) => ({ x: u['x']!.map((v) => -0.5 * v) })));
    expect(run.states).toEqual(alone.states.map((s) => [s, {}]));
  });

  it('order matters: clipping before or after a scale gives the closed forms of each', () => {
    const g = [{ x: [3, 4] }]; // norm 5
    const first = runSteps(chain(clipByGlobalNorm(1), scale(2)), params, g).updates[0]!['x']!;
    const second = runSteps(chain(scale(2), clipByGlobalNorm(1)), params, g).updates[0]!['x']!;
    [1.2, 1.6].forEach((v, i) => expect(first[i]).toBeCloseTo(v, 6)); // 2 · u/5
    [0.6, 0.8].forEach((v, i) => expect(second[i]).toBeCloseTo(v, 6)); // 2u/10
  });

  it('types its state as the tuple of its parts’ states', () => {
    const opt = chain(scaleByAdam(), scaleByLearningRate(0.1));
    const p = { x: tf.zeros([2]) };
    const [adamState, lrState] = opt.init(p);
    expect(adamState.step).toBe(0);
    expect(lrState).toEqual({});
    tf.dispose([p, adamState] as tf.TensorContainer);
  });

  it('lets a meta-gradient flow through every part (d/dφ against central finite differences)', () => {
    // A part whose output depends on φ: out = φ·u, then momentum, clipping and the step size.
    const scaledBy = (phi: tf.Tensor): Optimizer<Record<string, never>> => ({
      name: 'scaled',
      init: () => ({}),
      update: (u: TensorMap) => ({ updates: { x: tf.mul(u['x']!, phi) }, state: {} }),
    });
    const meta = (phi: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const opt = chain(scaledBy(phi), trace({ decay: 0.9 }), clipByGlobalNorm(3), scaleByLearningRate(0.1));
        const p = { x: tf.tensor1d([0.5, -1, 2]) };
        let state = opt.init(p);
        let total = tf.scalar(0);
        for (const g of [
          [1, 2, -1],
          [0.5, -2, 1],
          [3, 0, 1],
        ]) {
          const step = opt.update({ x: tf.tensor1d(g) }, state, p);
          total = tf.add(total, tf.sum(tf.mul(step.updates['x']!, tf.tensor1d([1, -1, 2]))));
          state = step.state;
        }
        return total as tf.Scalar;
      });
    for (const phi0 of [0.3, 2]) {
      const phi = tf.scalar(phi0);
      const g = tf.grad(meta)(phi).dataSync()[0]!;
      const h = 1e-3;
      const fd = (meta(tf.scalar(phi0 + h)).dataSync()[0]! - meta(tf.scalar(phi0 - h)).dataSync()[0]!) / (2 * h);
      expect(Math.abs(g)).toBeGreaterThan(1e-3);
      expect(g).toBeCloseTo(fd, 2);
      phi.dispose();
    }
  });

  it('records its parts’ configs; without one for every part it has none', () => {
    expect(chain(scaleByAdam(), scaleByLearningRate(0.1)).config).toEqual({
      name: 'chain',
      parts: [
        { name: 'scaleByAdam', b1: 0.9, b2: 0.999 },
        { name: 'scaleByLearningRate', learningRate: 0.1 },
      ],
    });
    expect(
      chain(
        scaleByAdam(),
        scaleByLearningRate(() => 0.1),
      ).config,
    ).toBeUndefined();
    expect(chain(scaleByAdam(), scaleByLearningRate(0.1)).name).toBe('chain(scaleByAdam(), scaleByLearningRate(0.1))');
  });

  it('refuses no parts, non-optimizers and a state of another shape', () => {
    expect(() => chain()).toThrow(/chain: needs at least one part/);
    expect(() => chain(scale(1), {} as Optimizer)).toThrow(/chain: part 1 must be an Optimizer/);
    const opt = chain(scale(1), scale(2));
    const p = { x: tf.zeros([1]) };
    expect(() => opt.update(p, [{}] as never, p)).toThrow(/chain\.update: state must be an array of 2 part states/);
    tf.dispose(p);
  });
});
