/**
 * The conformance suite every optimizer package runs (subpath export `@l2o/core/testing`). It is framework
 * agnostic: `conformanceChecks` returns named async checks that throw on failure; `registerConformance`
 * registers them with any `describe`/`it` pair (vitest, jest, node:test, mocha).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lossAndGrad } from './loss-and-grad.js';
import { metaTrain } from './meta-train.js';
import { Rng } from './rng.js';
import { addMaps, disposeMap } from './tensor-map.js';
import { type ConformanceCheck, check, registerChecks, type TestFrameworkApi } from './test-framework.js';
import type { LearnedOptimizer, Optimizee, OptimizeeFamily, Optimizer, TensorMap } from './types.js';

export interface ConformanceSubject {
  /** Shown in test names. */
  readonly name: string;
  /** A fresh optimizer (for learned optimizers: with the φ to test, e.g. freshly initialised). */
  readonly make: () => Optimizer;
  /**
   * For learned optimizers: the architecture. The descent check then meta-trains it briefly on the suite's
   * quadratics (with `metaTrain`'s default Adam) before checking that it lowers the loss.
   */
  readonly learned?: LearnedOptimizer;
  /** Meta-training epochs for the descent check of a learned optimizer. Default 30. */
  readonly metaTrainEpochs?: number;
  /** Save the optimizer of `make()` to `dir` and load it back; the suite checks identical updates. */
  readonly saveLoad?: {
    save(dir: string): void | Promise<void>;
    load(dir: string): Optimizer | Promise<Optimizer>;
  };
}

/** A small ill-conditioned quadratic family, ½ Σ a_i (θ_i − c_i)², in two parameter tensors. */
export function conformanceQuadraticFamily(): OptimizeeFamily<null> {
  return {
    name: 'conformance-quadratic',
    sample(rng: Rng): Optimizee<null> {
      const a = tf.tensor2d(
        Float32Array.from({ length: 12 }, () => Math.exp(rng.uniform() * 2 - 1)),
        [3, 4],
      );
      const ca = tf.tensor2d(rng.normalArray(12), [3, 4]);
      const b = tf.tensor1d(Float32Array.from({ length: 5 }, () => Math.exp(rng.uniform() * 2 - 1)));
      const cb = tf.tensor1d(rng.normalArray(5));
      return {
        name: 'conformance-quadratic',
        init: (r: Rng) => ({
          w: tf.tensor2d(r.normalArray(12, 0, 0.1), [3, 4]),
          b: tf.tensor1d(r.normalArray(5, 0, 0.1)),
        }),
        sampleBatch: () => null,
        loss: (p: TensorMap) =>
          tf.tidy(() =>
            tf.mul(
              0.5,
              tf.add(
                tf.sum(tf.mul(a, tf.square(tf.sub(p['w']!, ca)))),
                tf.sum(tf.mul(b, tf.square(tf.sub(p['b']!, cb)))),
              ),
            ),
          ) as tf.Scalar,
        dispose: () => tf.dispose([a, ca, b, cb]),
      };
    },
  };
}

function shapesOf(c: tf.TensorContainer): string {
  const out: string[] = [];
  const walk = (v: tf.TensorContainer, path: string): void => {
    if (v instanceof tf.Tensor) out.push(`${path}:${v.dtype}[${v.shape.join(',')}]`);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x as tf.TensorContainer, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const k of Object.keys(v).sort()) walk((v as Record<string, tf.TensorContainer>)[k]!, `${path}.${k}`);
    }
  };
  walk(c, '');
  return out.join(' ');
}

function tensorsOf(c: tf.TensorContainer, out: tf.Tensor[] = []): tf.Tensor[] {
  if (c instanceof tf.Tensor) out.push(c);
  else if (Array.isArray(c)) c.forEach((x) => tensorsOf(x as tf.TensorContainer, out));
  else if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) {
    for (const k of Object.keys(c).sort()) tensorsOf((c as Record<string, tf.TensorContainer>)[k]!, out);
  }
  return out;
}

/** Disposes the tensors of `from` that `keep` does not also hold (an optimizer may hand a state tensor through). */
function disposeExcept(from: tf.TensorContainer, keep: tf.TensorContainer): void {
  const kept = new Set(tensorsOf(keep).map((t) => t.id));
  for (const t of tensorsOf(from)) if (!kept.has(t.id)) t.dispose();
}

interface Trajectory {
  losses: number[];
  updates: Float32Array[];
}

/** Runs `steps` steps on problem `seed` of the suite's family; disposes everything it creates. */
function runTrajectory(
  opt: Optimizer,
  steps: number,
  seed: number,
  onState?: (s: tf.TensorContainer) => void,
): Trajectory {
  const rng = Rng.seeded(seed);
  const task = conformanceQuadraticFamily().sample(rng.fork());
  let theta = task.init(rng.fork());
  let state = opt.init(theta);
  const losses: number[] = [];
  const updates: Float32Array[] = [];
  for (let t = 0; t < steps; t++) {
    const { loss, grads } = lossAndGrad(task, theta, null);
    losses.push(loss.dataSync()[0]!);
    const step = opt.update(grads, state, theta);
    onState?.(step.state);
    const flat = tf.tidy(() =>
      tf.concat(
        Object.keys(step.updates)
          .sort()
          .map((k) => tf.reshape(step.updates[k]!, [-1])),
      ),
    );
    updates.push(Float32Array.from(flat.dataSync()));
    flat.dispose();
    const next = addMaps(theta, step.updates);
    disposeMap(step.updates);
    disposeMap(grads);
    loss.dispose();
    disposeMap(theta);
    disposeExcept(state, step.state);
    theta = next;
    state = step.state;
  }
  const last = tf.tidy(() => task.loss(theta, null));
  losses.push(last.dataSync()[0]!);
  last.dispose();
  disposeMap(theta);
  tf.dispose(state);
  task.dispose?.();
  return { losses, updates };
}

/** The checks every optimizer must pass. */
export function conformanceChecks(subject: ConformanceSubject): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [
    {
      name: `${subject.name}: state is a tensor container whose shapes stay the same over steps`,
      run: async () => {
        const opt = subject.make();
        const seen: string[] = [];
        runTrajectory(opt, 6, 1, (s) => seen.push(shapesOf(s)));
        check(
          seen.every((s) => s === seen[0]),
          `state shapes changed over steps: ${[...new Set(seen)].join(' → ')}`,
        );
      },
    },
    {
      name: `${subject.name}: no tensor leaks over 20 steps`,
      run: async () => {
        const opt = subject.make();
        runTrajectory(opt, 2, 2);
        const before = tf.memory().numTensors;
        runTrajectory(opt, 20, 2);
        const after = tf.memory().numTensors;
        check(after === before, `tf.memory().numTensors grew from ${before} to ${after}`);
      },
    },
    {
      name: `${subject.name}: update neither mutates nor disposes its inputs`,
      run: async () => {
        const opt = subject.make();
        const rng = Rng.seeded(3);
        const task = conformanceQuadraticFamily().sample(rng.fork());
        const theta = task.init(rng.fork());
        const state = opt.init(theta);
        const { loss, grads } = lossAndGrad(task, theta, null);
        const snap = (m: TensorMap): number[] =>
          Object.keys(m)
            .sort()
            .flatMap((k) => Array.from(m[k]!.dataSync()));
        const g0 = snap(grads);
        const p0 = snap(theta);
        const s0 = shapesOf(state);
        const stateTensors = tensorsOf(state);
        const stateValues = stateTensors.map((t) => Array.from(t.dataSync()));
        const step = opt.update(grads, state, theta);
        check(
          Object.values(grads).every((t) => !t.isDisposed) && Object.values(theta).every((t) => !t.isDisposed),
          'inputs were disposed',
        );
        check(
          stateTensors.every((t) => !t.isDisposed),
          'the input state was disposed',
        );
        check(JSON.stringify(snap(grads)) === JSON.stringify(g0), 'gradients were mutated');
        check(JSON.stringify(snap(theta)) === JSON.stringify(p0), 'parameters were mutated');
        check(
          shapesOf(state) === s0 &&
            tensorsOf(state).every(
              (t, i) =>
                t === stateTensors[i] && JSON.stringify(Array.from(t.dataSync())) === JSON.stringify(stateValues[i]),
            ),
          'the input state was changed',
        );
        check(
          Object.keys(step.updates).sort().join() === Object.keys(theta).sort().join() &&
            Object.keys(theta).every((k) => step.updates[k]!.shape.join() === theta[k]!.shape.join()),
          'updates must have the names and shapes of the parameters',
        );
        disposeExcept(state, step.state);
        tf.dispose([loss, step.state as tf.TensorContainer]);
        disposeMap(step.updates);
        disposeMap(grads);
        disposeMap(theta);
        task.dispose?.();
      },
    },
    {
      name: `${subject.name}: deterministic (same inputs, same updates)`,
      run: async () => {
        const a = runTrajectory(subject.make(), 5, 4);
        const b = runTrajectory(subject.make(), 5, 4);
        check(
          a.updates.every((u, i) => u.every((v, j) => Object.is(v, b.updates[i]![j]))),
          'two runs gave different updates',
        );
      },
    },
    {
      name: `${subject.name}: lowers the loss on a quadratic`,
      run: async () => {
        let opt = subject.make();
        let trained: TensorMap | undefined;
        if (subject.learned) {
          const res = await metaTrain({
            learned: subject.learned,
            family: conformanceQuadraticFamily(),
            epochs: subject.metaTrainEpochs ?? 30,
            horizon: 20,
            unroll: 5,
            seed: 11,
            metaLearningRate: 0.01,
            validateEvery: 10,
            validationProblems: 4,
          });
          trained = res.metaParams;
          disposeMap(res.lastMetaParams);
          opt = subject.learned.withMetaParams(trained);
        }
        const runs = [5, 6, 7].map((s) => runTrajectory(opt, 20, s).losses);
        disposeMap(trained);
        for (const l of runs) {
          check(
            l[l.length - 1]! < 0.5 * l[0]!,
            `loss went from ${l[0]} to ${l[l.length - 1]} in 20 steps (expected < half)`,
          );
        }
      },
    },
  ];
  const saveLoad = subject.saveLoad;
  if (saveLoad) {
    checks.push({
      name: `${subject.name}: save and load give identical updates`,
      run: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'l2o-conformance-'));
        try {
          await saveLoad.save(join(dir, 'opt'));
          const loaded = await saveLoad.load(join(dir, 'opt'));
          const a = runTrajectory(subject.make(), 5, 8);
          const b = runTrajectory(loaded, 5, 8);
          check(
            a.updates.every((u, i) => u.every((v, j) => Object.is(v, b.updates[i]![j]))),
            'the loaded optimizer gives different updates',
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    });
  }
  return checks;
}

/** Registers the conformance checks with a test framework's `describe` and `it`. */
export function registerConformance(subject: ConformanceSubject, api: TestFrameworkApi): void {
  registerChecks(`conformance: ${subject.name}`, conformanceChecks(subject), api, 300_000);
}

export { optimizeeConformanceChecks, registerOptimizeeConformance } from './optimizee-conformance.js';
export {
  wideScaleSinProblem,
  maxRelativeError,
  relativeError,
  mapRelativeError,
  compareFusedMetaTrain,
} from './fused-kernel-testing.js';
export type { FusedMetaTrainComparison } from './fused-kernel-testing.js';
export type { OptimizeeConformanceCheck, OptimizeeConformanceSubject } from './optimizee-conformance.js';
export type { TestFrameworkApi } from './test-framework.js';
export type { ConformanceCheck } from './test-framework.js';
