import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from './engine/engine.js';
import { lossAndGrad } from './loss-and-grad.js';
import { Rng } from './rng.js';
import {
  conformanceChecks,
  conformanceQuadraticFamily,
  registerConformance,
  type ConformanceSubject,
} from './testing.js';
import { disposeMap } from './tensor-map.js';
import { tinyLearned } from './test-fixtures.js';
import type { LearnedOptimizer, Optimizer, TensorMap } from './types.js';

type Momentum = { v: TensorMap };

/** Heavy-ball SGD: v ← β v + g, Δθ = −lr v. `tweak` lets the tests break one property at a time. */
function momentumSgd(
  lr: number,
  tweak: {
    sign?: number;
    noise?: () => number;
    afterUpdate?: (grads: TensorMap, state: Momentum, next: Momentum) => void;
  } = {},
): Optimizer<Momentum> {
  const beta = 0.5;
  return {
    name: `sgd(lr=${lr})`,
    init: (params) =>
      tf.tidy(() => ({ v: Object.fromEntries(Object.entries(params).map(([k, t]) => [k, tf.zerosLike(t)])) })),
    update(grads, state) {
      const scale = -lr * (tweak.sign ?? 1) * (tweak.noise?.() ?? 1);
      const out = tf.tidy(() => {
        const v: Record<string, tf.Tensor> = {};
        const updates: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) {
          v[k] = tf.add(tf.mul(state.v[k]!, beta), g);
          updates[k] = tf.mul(v[k]!, scale);
        }
        return { updates, state: { v } };
      });
      tweak.afterUpdate?.(grads, state, out.state);
      return out;
    },
  };
}

const CHECK_IDS: ReadonlyArray<readonly [string, RegExp]> = [
  ['shapes', /state is a tensor container whose shapes stay the same/],
  ['leaks', /no tensor leaks/],
  ['inputs', /neither mutates nor disposes its inputs/],
  ['deterministic', /deterministic/],
  ['descent', /lowers the loss/],
  ['saveLoad', /save and load/],
];

/** Runs every check; returns the failure message of each check by short id (null = passed). */
async function runChecks(subject: ConformanceSubject): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const c of conformanceChecks(subject)) {
    const id = CHECK_IDS.find(([, re]) => re.test(c.name))?.[0];
    if (!id) throw new Error(`unknown check ${c.name}`);
    expect(c.name.startsWith(`${subject.name}: `)).toBe(true);
    try {
      await c.run();
      out[id] = null;
    } catch (e) {
      out[id] = e instanceof Error ? e.message : String(e);
    }
  }
  return out;
}

function failed(r: Record<string, string | null>): string[] {
  return Object.keys(r)
    .filter((k) => r[k] !== null)
    .sort();
}

beforeAll(async () => {
  await initEngine('wasm');
});

describe('conformance suite', () => {
  it('conformanceQuadraticFamily is ½ Σ a (θ − c)², reproducible from the seed, and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const task = conformanceQuadraticFamily().sample(Rng.seeded(1));
    const at = (scale: number): { f: number; g: number[]; x: number[] } => {
      const theta = task.init(Rng.seeded(2));
      const p = tf.tidy(() => ({ w: tf.mul(theta['w']!, scale), b: tf.mul(theta['b']!, scale) }));
      const { loss, grads } = lossAndGrad(task, p, null);
      const out = {
        f: loss.dataSync()[0]!,
        g: [...grads['b']!.dataSync(), ...grads['w']!.dataSync()],
        x: [...p['b']!.dataSync(), ...p['w']!.dataSync()],
      };
      loss.dispose();
      [theta, p, grads].forEach(disposeMap);
      return out;
    };
    const z = at(0);
    const one = at(1);
    const two = at(2);
    // ∇ = a (θ − c) is affine in θ: ∇(2θ) − ∇(0) = 2 (∇(θ) − ∇(0)); a_i = (∇(θ) − ∇(0))_i / θ_i ∈ [e⁻¹, e].
    const a = one.g.map((g, i) => (g - z.g[i]!) / one.x[i]!);
    two.g.forEach((g, i) => expect(g - z.g[i]!).toBeCloseTo(2 * (one.g[i]! - z.g[i]!), 4));
    a.forEach((ai) => {
      expect(ai).toBeGreaterThan(Math.exp(-1) - 1e-3);
      expect(ai).toBeLessThan(Math.exp(1) + 1e-3);
    });
    // f = ½ Σ a (θ − c)² = ½ Σ ∇² / a.
    expect(one.f).toBeCloseTo(
      one.g.reduce((s, g, i) => s + (0.5 * g * g) / a[i]!, 0),
      3,
    );
    expect(one.x).toHaveLength(17);
    const again = conformanceQuadraticFamily().sample(Rng.seeded(1));
    const theta = task.init(Rng.seeded(2));
    const l1 = task.loss(theta, null);
    const l2 = again.loss(theta, null);
    expect(l2.dataSync()[0]).toBe(l1.dataSync()[0]);
    tf.dispose([l1, l2]);
    disposeMap(theta);
    task.dispose?.();
    again.dispose?.();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a correct hand-written SGD passes every check, including save/load', async () => {
    let saved = '';
    const subject: ConformanceSubject = {
      name: 'sgd',
      make: () => momentumSgd(0.2),
      saveLoad: {
        save: (path) => writeFileSync(path, JSON.stringify({ lr: 0.2 })),
        load: (path) => {
          saved = readFileSync(path, 'utf8');
          return momentumSgd((JSON.parse(saved) as { lr: number }).lr);
        },
      },
    };
    const before = tf.memory().numTensors;
    const r = await runChecks(subject);
    expect(r).toEqual({ shapes: null, leaks: null, inputs: null, deterministic: null, descent: null, saveLoad: null });
    expect(saved).toBe('{"lr":0.2}');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fails save/load when the loaded optimizer differs', async () => {
    const r = await runChecks({
      name: 'sgd-bad-load',
      make: () => momentumSgd(0.2),
      saveLoad: { save: () => undefined, load: () => momentumSgd(0.2 * 1.0001) },
    });
    expect(failed(r)).toEqual(['saveLoad']);
    expect(r['saveLoad']).toMatch(/different updates/);
  });

  it('catches an optimizer that leaks a tensor per step (and only that)', async () => {
    const leaked: tf.Tensor[] = [];
    const r = await runChecks({
      name: 'leaky',
      make: () => momentumSgd(0.2, { afterUpdate: () => void leaked.push(tf.scalar(1)) }),
    });
    expect(failed(r)).toEqual(['leaks']);
    expect(r['leaks']).toMatch(/numTensors grew from (\d+) to (\d+)/);
    const [, from, to] = /from (\d+) to (\d+)/.exec(r['leaks']!)!;
    expect(Number(to) - Number(from)).toBe(20);
    tf.dispose(leaked);
  });

  it('catches an optimizer that disposes its gradients', async () => {
    const r = await runChecks({
      name: 'disposes-grads',
      make: () => momentumSgd(0.2, { afterUpdate: (grads) => Object.values(grads).forEach((t) => t.dispose()) }),
    });
    expect(failed(r)).toEqual(['inputs']);
    expect(r['inputs']).toMatch(/inputs were disposed/);
  });

  it('catches an optimizer that disposes its input state', async () => {
    const r = await runChecks({
      name: 'disposes-state',
      make: () => momentumSgd(0.2, { afterUpdate: (_g, state) => tf.dispose(state) }),
    });
    expect(failed(r)).toEqual(['inputs']);
    expect(r['inputs']).toMatch(/input state was disposed/);
  });

  it('catches an optimizer that mutates its gradient map or its state', async () => {
    const grads = await runChecks({
      name: 'mutates-grads',
      make: () =>
        momentumSgd(0.2, {
          afterUpdate: (g) => {
            const m = g as Record<string, tf.Tensor>;
            m['b'] = tf.zerosLike(m['b']!); // replaces (and so loses track of) the caller's tensor
          },
        }),
    });
    expect(grads['inputs']).toMatch(/gradients were mutated/);
    const state = await runChecks({
      name: 'mutates-state',
      make: () =>
        momentumSgd(0.2, {
          afterUpdate: (_g, s) => {
            (s as { v: TensorMap }).v = { ...s.v, b: tf.onesLike(s.v['b']!) };
          },
        }),
    });
    expect(state['inputs']).toMatch(/input state was changed/);
  });

  it('catches a state whose shapes change over steps', async () => {
    type Growing = { seen: tf.Tensor };
    const make = (): Optimizer<Growing> => {
      return {
        name: 'growing',
        init: () => ({ seen: tf.zeros([0]) }),
        update: (grads, state) =>
          tf.tidy(() => ({
            updates: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, -0.3)])),
            state: { seen: tf.concat([state.seen, tf.zeros([1])]) },
          })),
      };
    };
    const r = await runChecks({ name: 'growing', make });
    expect(failed(r)).toEqual(['shapes']);
    expect(r['shapes']).toMatch(/state shapes changed over steps: \.seen:float32\[1\] → \.seen:float32\[2\] → /);
  });

  it('catches an optimizer that goes uphill', async () => {
    const r = await runChecks({ name: 'uphill', make: () => momentumSgd(0.2, { sign: -1 }) });
    expect(failed(r)).toEqual(['descent']);
    expect(r['descent']).toMatch(/loss went from .* in 20 steps \(expected < half\)/);
  });

  it('catches a nondeterministic optimizer', async () => {
    const r = await runChecks({
      name: 'random',
      make: () => momentumSgd(0.2, { noise: () => 1 + 0.01 * Math.random() }),
    });
    expect(failed(r)).toEqual(['deterministic']);
    expect(r['deterministic']).toMatch(/different updates/);
  });

  it('learned branch: the tiny learned optimizer fails descent untrained, passes after brief meta-training', async () => {
    const learned = tinyLearned({ a: 0.005 });
    const phi0 = learned.initMetaParams(Rng.seeded(0));
    const untrained = await runChecks({ name: 'tiny-untrained', make: () => learned.withMetaParams(phi0) });
    expect(failed(untrained)).toEqual(['descent']);
    const trained = await runChecks({
      name: 'tiny',
      make: () => learned.withMetaParams(phi0),
      learned: learned as unknown as LearnedOptimizer,
      metaTrainEpochs: 20,
    });
    expect(trained).toEqual({ shapes: null, leaks: null, inputs: null, deterministic: null, descent: null });
    disposeMap(phi0);
  });

  it('registerConformance registers one test per check inside one describe', async () => {
    const names: string[] = [];
    const its: { name: string; fn: () => Promise<void>; timeout?: number }[] = [];
    registerConformance(
      { name: 'sgd', make: () => momentumSgd(0.2) },
      {
        describe: (name, fn) => {
          names.push(name);
          fn();
        },
        it: (name, fn, timeout) => void its.push({ name, fn, ...(timeout === undefined ? {} : { timeout }) }),
      },
    );
    expect(names).toEqual(['conformance: sgd']);
    expect(its.map((t) => t.name)).toEqual(
      conformanceChecks({ name: 'sgd', make: () => momentumSgd(0.2) }).map((c) => c.name),
    );
    expect(its.every((t) => t.timeout !== undefined && t.timeout > 0)).toBe(true);
    await its[0]!.fn();
  });
});
