/**
 * Test-only helpers (not exported from the package): a small fixed problem, and trajectories of an l2o
 * optimizer and of a tf.train optimizer on it, so the two can be compared step by step.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  disposeMap,
  initEngine,
  L2oError,
  lossAndGrad,
  type Optimizee,
  type Optimizer,
  Rng,
  type TensorMap,
} from '@l2o/core';
import { addMaps } from '@l2o/core/extend';

const N = 16;
const D = 3;

/**
 * L2-regularised logistic regression on fixed data with two parameter tensors, w [3, 2] and b [2] (two
 * independent binary outputs), so every optimizer has several coordinates with different curvature.
 */
export function logisticTask(): Optimizee<null> & { dispose(): void } {
  const rng = Rng.seeded(20160606);
  const x = tf.tensor2d(rng.normalArray(N * D, 0, 1.5), [N, D]);
  const labels = Float32Array.from({ length: N * 2 }, () => (rng.uniform() < 0.5 ? 0 : 1));
  const y = tf.tensor2d(labels, [N, 2]);
  const w0 = rng.normalArray(D * 2, 0, 0.5);
  const b0 = Float32Array.from([0.3, -0.2]);
  return {
    name: 'logistic-fixed',
    init: () => ({ w: tf.tensor2d(w0, [D, 2]), b: tf.tensor1d(b0) }),
    sampleBatch: () => null,
    loss: (p) =>
      tf.tidy(() => {
        const logits = tf.add(tf.matMul(x, p['w']!), p['b']!);
        const ce = tf.mean(tf.losses.sigmoidCrossEntropy(y, logits, undefined, 0, tf.Reduction.NONE));
        return tf.add(ce, tf.mul(0.05, tf.sum(tf.square(p['w']!)))) as tf.Scalar;
      }),
    dispose: () => {
      x.dispose();
      y.dispose();
    },
  };
}

/** Parameters after every step, flattened per key: `out[t][key]` for t = 1…steps. */
export type Trajectory = Record<string, Float32Array>[];

function snapshot(params: TensorMap): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(params)) out[k] = t.dataSync() as Float32Array;
  return out;
}

/** Runs an l2o optimizer for `steps` steps, disposing everything it no longer needs. */
export function runOptimizer(task: Optimizee<null>, optimizer: Optimizer, steps: number): Trajectory {
  const out: Trajectory = [];
  let params = task.init(Rng.seeded(1));
  let state = optimizer.init(params);
  for (let t = 0; t < steps; t++) {
    const { loss, grads } = lossAndGrad(task, params, null);
    loss.dispose();
    const step = optimizer.update(grads, state, params);
    const next = addMaps(params, step.updates);
    disposeMap(params);
    disposeMap(grads);
    disposeMap(step.updates);
    tf.dispose(state);
    params = next;
    state = step.state;
    out.push(snapshot(params));
  }
  disposeMap(params);
  tf.dispose(state);
  return out;
}

let variableCounter = 0;

/** Runs a tf.train optimizer through `applyGradients` on tf.Variables, with the same gradients. */
export function runTfjs(task: Optimizee<null>, optimizer: tf.Optimizer, steps: number): Trajectory {
  const out: Trajectory = [];
  const init = task.init(Rng.seeded(1));
  const vars: Record<string, tf.Variable> = {};
  const varNames: Record<string, string> = {};
  for (const [k, t] of Object.entries(init)) {
    varNames[k] = `l2o-baselines-ref-${variableCounter++}-${k}`;
    vars[k] = tf.variable(t, true, varNames[k]);
  }
  disposeMap(init);
  try {
    for (let t = 0; t < steps; t++) {
      const { loss, grads } = lossAndGrad(task, vars, null);
      loss.dispose();
      const named: Record<string, tf.Tensor> = {};
      for (const k of Object.keys(grads)) named[varNames[k]!] = grads[k]!;
      optimizer.applyGradients(named);
      disposeMap(grads);
      out.push(snapshot(vars));
    }
  } finally {
    disposeMap(vars);
    optimizer.dispose();
  }
  return out;
}

/** Largest |a − b| / max(|b|, floor) over every step and coordinate. */
export function maxRelativeError(a: Trajectory, b: Trajectory, floor = 1e-3): number {
  if (a.length !== b.length)
    throw new L2oError('SHAPE_MISMATCH', `trajectories differ in length: ${a.length} vs ${b.length}`);
  let worst = 0;
  a.forEach((stepA, t) => {
    const stepB = b[t]!;
    for (const k of Object.keys(stepB)) {
      const xa = stepA[k]!;
      const xb = stepB[k]!;
      for (let i = 0; i < xb.length; i++) {
        const err = Math.abs(xa[i]! - xb[i]!) / Math.max(Math.abs(xb[i]!), floor);
        if (!(err <= worst)) worst = err;
      }
    }
  });
  return worst;
}

/** How far the parameters moved from θ₀ to θ_steps, so a comparison cannot pass by nobody moving. */
export function totalMovement(traj: Trajectory, task: Optimizee<null>): number {
  const init = task.init(Rng.seeded(1));
  const first = snapshot(init);
  disposeMap(init);
  const last = traj[traj.length - 1]!;
  let s = 0;
  for (const k of Object.keys(first)) {
    for (let i = 0; i < first[k]!.length; i++) s += (last[k]![i]! - first[k]![i]!) ** 2;
  }
  return Math.sqrt(s);
}

/**
 * Runs `steps` steps and returns tf.memory().numTensors after each one, with the task's own tensors
 * excluded (they are constant anyway). Also checks the optimizer never disposes its inputs.
 */
export function tensorCounts(task: Optimizee<null>, optimizer: Optimizer, steps: number): number[] {
  const counts: number[] = [];
  let params = task.init(Rng.seeded(1));
  let state = optimizer.init(params);
  for (let t = 0; t < steps; t++) {
    const { loss, grads } = lossAndGrad(task, params, null);
    loss.dispose();
    const step = optimizer.update(grads, state, params);
    const inputs = [...Object.values(grads), ...Object.values(params), ...tensorsOf(state)];
    if (inputs.some((x) => x.isDisposed))
      throw new L2oError('INVALID_STATE', `${optimizer.name}: update disposed one of its inputs`);
    const next = addMaps(params, step.updates);
    disposeMap(params);
    disposeMap(grads);
    disposeMap(step.updates);
    tf.dispose(state);
    params = next;
    state = step.state;
    counts.push(tf.memory().numTensors);
  }
  disposeMap(params);
  tf.dispose(state);
  return counts;
}

function tensorsOf(c: tf.TensorContainer): tf.Tensor[] {
  if (c instanceof tf.Tensor) return [c];
  if (c === null || typeof c !== 'object' || ArrayBuffer.isView(c)) return [];
  return Object.values(c as Record<string, tf.TensorContainer>).flatMap(tensorsOf);
}

export interface ReferenceCase {
  readonly title: string;
  readonly ours: () => Optimizer;
  readonly reference: () => tf.Optimizer;
  /** Largest allowed relative error (default 1e-5). */
  readonly tolerance?: number;
}

/**
 * For each backend (wasm, cpu): every case's 100-step trajectory on the fixed logistic task matches the
 * tf.train optimizer's within the tolerance, the parameters really moved, and tensor counts stay flat.
 */
export function describeAgainstTfjs(label: string, cases: readonly ReferenceCase[], steps = 100): void {
  describe.each(['wasm', 'cpu'] as const)(`${label} on %s`, (backend) => {
    let task: ReturnType<typeof logisticTask>;
    beforeAll(async () => {
      await initEngine(backend);
      task = logisticTask();
    });
    afterAll(() => task.dispose());

    for (const c of cases) {
      it(`${c.title}: follows the tf.train optimizer for ${steps} steps`, () => {
        const ours = runOptimizer(task, c.ours(), steps);
        const ref = runTfjs(task, c.reference(), steps);
        expect(totalMovement(ref, task)).toBeGreaterThan(0.05);
        expect(maxRelativeError(ours, ref)).toBeLessThan(c.tolerance ?? 1e-5);
      });

      it(`${c.title}: leaks no tensors over ${steps} steps`, () => {
        const counts = tensorCounts(task, c.ours(), steps);
        expect(counts[counts.length - 1]).toBe(counts[0]);
      });
    }
  });
}
