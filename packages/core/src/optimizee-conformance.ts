/**
 * The conformance suite every optimizee package runs on its families (re-exported by `@l2o/core/testing`):
 * determinism, a scalar loss, gradients against central finite differences, no tensor leaks, and typed errors
 * on bad options. Framework agnostic like the optimizer suite: `optimizeeConformanceChecks` returns named async
 * checks that throw on failure; `registerOptimizeeConformance` registers them with a `describe`/`it` pair.
 */
import * as tf from '@tensorflow/tfjs';
import { L2oError, type L2oErrorCode } from './l2o-error.js';
import { lossAndGrad } from './loss-and-grad.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { type ConformanceCheck, check, registerChecks, type TestFrameworkApi } from './test-framework.js';
import type { BatchData, Optimizee, OptimizeeFamily, TensorMap } from './types.js';

export interface OptimizeeConformanceSubject {
  /** Shown in test names. */
  readonly name: string;
  /** A fresh family (called more than once: two families made alike must draw the same problems). */
  readonly make: () => OptimizeeFamily;
  /**
   * Calls that must be refused, each with the options it gets wrong: every one must throw an `L2oError` with
   * code `INVALID_OPTION` (or `code`) whose message contains `field` (the name of the wrong option).
   */
  readonly badOptions?: readonly {
    readonly field: string;
    readonly make: () => unknown;
    readonly code?: L2oErrorCode;
  }[];
  /** Coordinates checked against finite differences. Default 6. */
  readonly gradientCoordinates?: number;
  /** The finite-difference step h (float32: not much below 1e-3). Default 1e-2. */
  readonly finiteDifferenceStep?: number;
  /** Allowed relative error of a gradient coordinate. Default 0.1 (a wrong sign is 2, a missing factor 2 is 0.5). */
  readonly gradientTolerance?: number;
  /** Seed of the problem the checks draw. Default 1. */
  readonly seed?: number;
}

/** One named check of the optimizee suite (the same shape as the optimizer suite's). */
export type OptimizeeConformanceCheck = ConformanceCheck;

function tensorsOf(c: tf.TensorContainer, out: tf.Tensor[] = []): tf.Tensor[] {
  if (c instanceof tf.Tensor) out.push(c);
  else if (Array.isArray(c)) c.forEach((x) => tensorsOf(x as tf.TensorContainer, out));
  else if (c !== null && typeof c === 'object' && !ArrayBuffer.isView(c)) {
    for (const k of Object.keys(c).sort()) tensorsOf((c as Record<string, tf.TensorContainer>)[k]!, out);
  }
  return out;
}

/** Every number of `c` (its tensors in key order, with their shapes), for exact comparison. */
function fingerprint(c: tf.TensorContainer): string {
  return tensorsOf(c)
    .map((t) => `${t.dtype}[${t.shape.join(',')}]:${Array.from(t.dataSync()).join(',')}`)
    .join(' ');
}

interface Draw {
  readonly task: Optimizee;
  readonly params: TensorMap;
  readonly batch: BatchData;
}

/** Problem `seed` of `family`: its θ₀ and first batch, drawn from forks of one seeded Rng. */
function draw(family: OptimizeeFamily, seed: number): Draw {
  const rng = Rng.seeded(seed);
  const task = family.sample(rng.fork());
  const params = task.init(rng.fork());
  const batch = task.sampleBatch(rng.fork());
  return { task, params, batch };
}

function release(d: Draw): void {
  disposeMap(d.params);
  tf.dispose(d.batch as tf.TensorContainer);
  d.task.dispose?.();
}

function lossValue(task: Optimizee, params: TensorMap, batch: BatchData): number {
  const l = tf.tidy(() => task.loss(params, batch));
  const v = l.dataSync()[0]!;
  l.dispose();
  return v;
}

/** `params` with coordinate `index` of entry `key` moved by `delta` (new tensor for that entry only). */
function shifted(params: TensorMap, key: string, index: number, delta: number): { map: TensorMap; made: tf.Tensor } {
  const t = params[key]!;
  const values = Float32Array.from(t.dataSync());
  values[index] = values[index]! + delta;
  const made = tf.tensor(values, t.shape, 'float32');
  return { map: { ...params, [key]: made }, made };
}

/** The checks every optimizee family must pass. */
export function optimizeeConformanceChecks(subject: OptimizeeConformanceSubject): OptimizeeConformanceCheck[] {
  const seed = subject.seed ?? 1;
  const checks: OptimizeeConformanceCheck[] = [
    {
      name: `${subject.name}: the same seed gives the same problem, θ₀, batch and loss`,
      run: async () => {
        const family = subject.make();
        const a = draw(family, seed);
        const b = draw(family, seed);
        const c = draw(subject.make(), seed);
        try {
          const fa = fingerprint(a.params);
          check(fa.length > 0, 'init returned no tensors');
          check(fa === fingerprint(b.params), 'two draws with one seed gave different θ₀');
          check(fa === fingerprint(c.params), 'two families made alike gave different θ₀ for one seed');
          const ba = fingerprint(a.batch as tf.TensorContainer);
          check(ba === fingerprint(b.batch as tf.TensorContainer), 'two draws with one seed gave different batches');
          check(ba === fingerprint(c.batch as tf.TensorContainer), 'two families made alike gave different batches');
          const la = lossValue(a.task, a.params, a.batch);
          const lb = lossValue(b.task, b.params, b.batch);
          const lc = lossValue(c.task, c.params, c.batch);
          check(Object.is(la, lb) && Object.is(la, lc), `one seed gave the losses ${la}, ${lb}, ${lc}`);
          check(Object.is(la, lossValue(a.task, a.params, a.batch)), 'the loss of one θ and batch changed on a rerun');
        } finally {
          for (const d of [a, b, c]) release(d);
        }
      },
    },
    {
      name: `${subject.name}: θ₀ is float32; the loss is a finite float32 scalar; inputs survive it`,
      run: async () => {
        const d = draw(subject.make(), seed);
        try {
          const keys = Object.keys(d.params);
          check(keys.length > 0, 'init returned no parameters');
          for (const k of keys) check(d.params[k]!.dtype === 'float32', `θ₀["${k}"] has dtype ${d.params[k]!.dtype}`);
          const loss = d.task.loss(d.params, d.batch);
          const shape = loss.shape.join(',');
          const dtype = loss.dtype;
          const v = loss.dataSync()[0]!;
          loss.dispose();
          check(shape === '', `the loss has shape [${shape}], expected [] (a scalar)`);
          check(dtype === 'float32', `the loss has dtype ${dtype}`);
          check(Number.isFinite(v), `the loss at θ₀ is ${v}`);
          check(
            Object.values(d.params).every((t) => !t.isDisposed) &&
              tensorsOf(d.batch as tf.TensorContainer).every((t) => !t.isDisposed),
            'loss disposed its parameters or its batch',
          );
        } finally {
          release(d);
        }
      },
    },
    {
      name: `${subject.name}: gradients match central finite differences`,
      run: async () => {
        const h = subject.finiteDifferenceStep ?? 1e-2;
        const rtol = subject.gradientTolerance ?? 0.1;
        const count = subject.gradientCoordinates ?? 6;
        const d = draw(subject.make(), seed);
        try {
          const { loss, grads } = lossAndGrad(d.task, d.params, d.batch);
          const f0 = loss.dataSync()[0]!;
          loss.dispose();
          const keys = Object.keys(d.params).sort();
          check(
            Object.keys(grads).sort().join() === keys.join() &&
              keys.every((k) => grads[k]!.shape.join() === d.params[k]!.shape.join()),
            'the gradients do not have the names and shapes of the parameters',
          );
          const coords: { key: string; index: number; g: number }[] = [];
          for (const k of keys) grads[k]!.dataSync().forEach((g, index) => coords.push({ key: k, index, g }));
          disposeMap(grads);
          check(
            coords.every((c) => Number.isFinite(c.g)),
            'a gradient coordinate is not finite',
          );
          // Coordinates whose gradient is not negligible (a zero gradient cannot show a wrong sign or factor).
          const gmax = Math.max(...coords.map((c) => Math.abs(c.g)));
          check(gmax > 0, 'the gradient is zero at θ₀');
          const significant = coords.filter((c) => Math.abs(c.g) >= 1e-2 * gmax);
          const rng = Rng.seeded(seed + 7919);
          const picked: typeof significant = [];
          for (let i = 0; i < Math.min(count, significant.length); i++) {
            const j = i + rng.int(significant.length - i);
            [significant[i], significant[j]] = [significant[j]!, significant[i]!];
            picked.push(significant[i]!);
          }
          // Float32 rounding of the two losses, over 2h.
          const atol = (4e-6 * Math.max(1, Math.abs(f0))) / h;
          for (const c of picked) {
            const plus = shifted(d.params, c.key, c.index, h);
            const minus = shifted(d.params, c.key, c.index, -h);
            const fd = (lossValue(d.task, plus.map, d.batch) - lossValue(d.task, minus.map, d.batch)) / (2 * h);
            plus.made.dispose();
            minus.made.dispose();
            const err = Math.abs(c.g - fd);
            check(
              err <= rtol * Math.max(Math.abs(c.g), Math.abs(fd)) + atol,
              `∂loss/∂${c.key}[${c.index}] is ${c.g} by autodiff, ${fd} by central differences (h = ${h})`,
            );
          }
        } finally {
          release(d);
        }
      },
    },
    {
      name: `${subject.name}: sample, init, sampleBatch, loss, grad and dispose leave no tensor behind`,
      run: async () => {
        const family = subject.make();
        const once = (s: number): void => {
          const d = draw(family, s);
          const { loss, grads } = lossAndGrad(d.task, d.params, d.batch);
          loss.dispose();
          disposeMap(grads);
          release(d);
        };
        once(seed); // caches a family may fill on first use (a dataset's tensors) are made here
        const before = tf.memory().numTensors;
        for (let s = 0; s < 3; s++) once(seed + 1 + s);
        const after = tf.memory().numTensors;
        check(after === before, `tf.memory().numTensors grew from ${before} to ${after} over 3 problems`);
      },
    },
  ];
  const bad = subject.badOptions ?? [];
  if (bad.length > 0) {
    checks.push({
      name: `${subject.name}: bad options are refused with an L2oError naming the field`,
      run: async () => {
        for (const b of bad) {
          let caught: unknown;
          try {
            b.make();
          } catch (e) {
            caught = e;
          }
          const want = b.code ?? 'INVALID_OPTION';
          check(caught !== undefined, `options with a wrong ${b.field} were accepted`);
          check(
            caught instanceof L2oError && caught.code === want,
            `a wrong ${b.field}: expected an L2oError with code ${want}, got ${String(caught)}`,
          );
          check(
            (caught as Error).message.includes(b.field),
            `a wrong ${b.field}: the message does not name it: ${(caught as Error).message}`,
          );
        }
      },
    });
  }
  return checks;
}

/** Registers the optimizee conformance checks with a test framework's `describe` and `it`. */
export function registerOptimizeeConformance(subject: OptimizeeConformanceSubject, api: TestFrameworkApi): void {
  registerChecks(`optimizee conformance: ${subject.name}`, optimizeeConformanceChecks(subject), api, 120_000);
}
