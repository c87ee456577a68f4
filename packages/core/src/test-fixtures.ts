import * as tf from '@tensorflow/tfjs';
import { unrollMetaGradient } from './meta-gradient.js';
import { lossAndGrad } from './loss-and-grad.js';
import { Rng } from './rng.js';
import { addMaps, disposeMap } from './tensor-map.js';
import type { LearnedOptimizer, Optimizee, OptimizeeFamily, Optimizer, TensorMap } from './types.js';

/**
 * Test-only fixtures shared by core's tests (not exported from index.ts).
 */

/** State of {@link tinyLearned}: one momentum-like tensor per parameter tensor. */
export type TinyState = Record<string, tf.Tensor>;

/** Initial meta-parameters of {@link tinyLearned}. */
export interface TinyInit {
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const TINY_DEFAULTS: TinyInit = { a: 0.05, b: 0.5, c: 0.02, d: 0.2 };

/**
 * A tiny learned optimizer with four scalar meta-parameters, a state and a dependence on θ:
 * m ← tanh(b·g + d·m), Δθ = −(a·m + c·θ), for every parameter tensor. Missing `init` fields default to
 * a = 0.05, b = 0.5, c = 0.02, d = 0.2.
 */
export function tinyLearned(init: Partial<TinyInit> = {}): LearnedOptimizer<TinyState> {
  const { a, b, c, d } = { ...TINY_DEFAULTS, ...init };
  return {
    name: 'tiny',
    kind: 'tiny',
    config: {},
    initMetaParams: () => ({ a: tf.scalar(a), b: tf.scalar(b), c: tf.scalar(c), d: tf.scalar(d) }),
    withMetaParams(phi: TensorMap): Optimizer<TinyState> {
      return {
        name: 'tiny',
        init: (params) =>
          tf.tidy(() => Object.fromEntries(Object.entries(params).map(([k, t]) => [k, tf.zerosLike(t)]))),
        update: (grads, state, params) =>
          tf.tidy(() => {
            const updates: Record<string, tf.Tensor> = {};
            const next: TinyState = {};
            for (const k of Object.keys(params)) {
              const m = tf.tanh(tf.add(tf.mul(phi['b']!, grads[k]!), tf.mul(phi['d']!, state[k]!)));
              updates[k] = tf.neg(tf.add(tf.mul(phi['a']!, m), tf.mul(phi['c']!, params[k]!)));
              next[k] = m;
            }
            return { updates, state: next };
          }),
      };
    },
  };
}

/** m ← tanh(b·g + d·m), Δθ = −a·m per parameter tensor: three scalar meta-parameters, no dependence on θ. */
export function tinyGradientOnly(kind: string, a: number): LearnedOptimizer<TinyState> {
  return {
    name: kind,
    kind,
    config: { a },
    initMetaParams: () => ({ a: tf.scalar(a), b: tf.scalar(0.5), d: tf.scalar(0.2) }),
    withMetaParams: (phi) => ({
      name: kind,
      init: (params) => tf.tidy(() => Object.fromEntries(Object.entries(params).map(([k, t]) => [k, tf.zerosLike(t)]))),
      update: (grads, state) =>
        tf.tidy(() => {
          const updates: Record<string, tf.Tensor> = {};
          const next: TinyState = {};
          for (const k of Object.keys(grads)) {
            const m = tf.tanh(tf.add(tf.mul(phi['b']!, grads[k]!), tf.mul(phi['d']!, state[k]!)));
            updates[k] = tf.neg(tf.mul(phi['a']!, m));
            next[k] = m;
          }
          return { updates, state: next };
        }),
    }),
  };
}

/**
 * `learned` (whose updates must not depend on θ, and whose state is a flat map of tensors) with a fused unroll
 * that replays its generic path: to test that combinators route `step`, `state` and `metaGradient` of a fused
 * unroll correctly. `calls.steps` counts the fused steps taken.
 */
export function withReplayedFusedUnroll(
  learned: LearnedOptimizer<TinyState>,
  calls: { steps: number },
): LearnedOptimizer<TinyState> {
  return {
    ...learned,
    beginFusedUnroll(phi, state0) {
      const opt = learned.withMetaParams(phi);
      let state = state0;
      return {
        step(grads) {
          calls.steps++;
          const s = opt.update(grads, state, grads);
          for (const t of Object.values(s.state)) tf.keep(t);
          if (state !== state0) disposeMap(state);
          state = s.state;
          return s.updates;
        },
        state: () => Object.fromEntries(Object.entries(state).map(([k, t]) => [k, tf.keep(tf.clone(t))])),
        metaGradient: (grads, weights) =>
          tf.tidy(() => {
            const theta0 = Object.fromEntries(Object.entries(grads[0]!).map(([k, t]) => [k, tf.zerosLike(t)]));
            return unrollMetaGradient(learned, phi, theta0, state0, grads, weights);
          }),
        dispose() {
          if (state !== state0) disposeMap(state);
        },
      };
    },
  };
}

/** Σ a_i x_i² with a = (1, 3, 0.5) from x = (1, −2, 0.5): the gradients change along a trajectory. */
export function tinyQuadraticTask(): Optimizee<null> {
  const a = tf.tensor1d([1, 3, 0.5]);
  return {
    name: 'q',
    init: () => ({ x: tf.tensor1d([1, -2, 0.5]) }),
    sampleBatch: () => null,
    loss: (p) => tf.tidy(() => tf.sum(tf.mul(a, tf.square(p['x']!)))) as tf.Scalar,
  };
}

/** c·x with c = (1, −2, 0.5) from x = (0.1, 0.2, 0.3): constant gradients, so the exact meta-gradient is the true one. */
export function tinyLinearTask(): Optimizee<null> {
  const c = tf.tensor1d([1, -2, 0.5]);
  return {
    name: 'lin',
    init: () => ({ x: tf.tensor1d([0.1, 0.2, 0.3]) }),
    sampleBatch: () => null,
    loss: (p) => tf.tidy(() => tf.sum(tf.mul(c, p['x']!))) as tf.Scalar,
  };
}

/**
 * K steps of `opt` on a deterministic task from θ₀ = `task.init(Rng.seeded(1))`, without a tape: the gradients
 * fed to the optimizer (∇_0 … ∇_K, owned by the caller) and the losses f(θ_1) … f(θ_K).
 */
export function forwardUnroll(
  opt: Optimizer,
  task: Optimizee<null>,
  K: number,
): { grads: TensorMap[]; losses: number[] } {
  let theta = task.init(Rng.seeded(1));
  let state = opt.init(theta);
  const losses: number[] = [];
  let lg = lossAndGrad(task, theta, null);
  lg.loss.dispose();
  const grads: TensorMap[] = [lg.grads];
  for (let k = 0; k < K; k++) {
    const s = opt.update(grads[k]!, state, theta);
    const next = addMaps(theta, s.updates);
    disposeMap(s.updates);
    disposeMap(theta);
    tf.dispose(state);
    theta = next;
    state = s.state;
    lg = lossAndGrad(task, theta, null);
    losses.push(lg.loss.dataSync()[0]!);
    lg.loss.dispose();
    grads.push(lg.grads);
  }
  disposeMap(theta);
  tf.dispose(state);
  return { grads, losses };
}

/**
 * `base` with every problem's loss NaN on its `n`-th minibatch (the first is the one of f(θ₀), so n = 8 poisons
 * f(θ_7), and through ∇f every θ after it): the problem counts its own `sampleBatch` calls.
 */
export function nanFromBatchFamily(base: OptimizeeFamily<null>, n: number): OptimizeeFamily<tf.Scalar> {
  return {
    name: `nan-at-batch-${n}`,
    sample(rng) {
      const inner = base.sample(rng);
      let calls = 0;
      return {
        name: `nan-at-batch-${n}`,
        init: (r) => inner.init(r),
        sampleBatch: () => tf.scalar(++calls === n ? NaN : 1),
        loss: (p, scale) => tf.tidy(() => tf.mul(inner.loss(p, null), scale)) as tf.Scalar,
        dispose: () => inner.dispose?.(),
      };
    },
  };
}

/** Plain SGD on φ (no state), so a meta-step's update is exactly −lr × the meta-gradient. */
export function sgdOnPhi(lr: number): Optimizer<Record<string, never>> {
  return {
    name: `sgd(${lr})`,
    init: () => ({}),
    update: (grads) =>
      tf.tidy(() => ({
        updates: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, -lr)])),
        state: {},
      })),
  };
}
