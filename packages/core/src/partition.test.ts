import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from './adam.js';
import { initEngine } from './engine/engine.js';
import { lossAndGrad } from './loss-and-grad.js';
import { unrollMetaGradient } from './meta-gradient.js';
import { metaTrain } from './meta-train.js';
import { partitionLearned, partitionLearnedFromConfig, partitionOptimizer } from './partition.js';
import { Rng } from './rng.js';
import { addMaps, disposeMap } from './tensor-map.js';
import { conformanceQuadraticFamily, registerConformance } from './testing.js';
import { tinyGradientOnly, withReplayedFusedUnroll, type TinyState } from './test-fixtures.js';
import type { LearnedOptimizer, Optimizer, TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** Heavy-ball momentum, a second hand-designed optimizer with state. */
function momentum(lr: number, mu: number): Optimizer<Record<string, tf.Tensor>> {
  return {
    name: `momentum(${lr}, ${mu})`,
    init: (params) => tf.tidy(() => Object.fromEntries(Object.entries(params).map(([k, t]) => [k, tf.zerosLike(t)]))),
    update: (grads, state) =>
      tf.tidy(() => {
        const v: Record<string, tf.Tensor> = {};
        const updates: Record<string, tf.Tensor> = {};
        for (const [k, g] of Object.entries(grads)) {
          v[k] = tf.add(tf.mul(state[k]!, mu), g);
          updates[k] = tf.mul(v[k]!, -lr);
        }
        return { updates, state: v };
      }),
  };
}

const tinyLearned = tinyGradientOnly;

/** The tiny optimizer with a fused unroll that replays its generic path (its updates do not depend on θ). */
function tinyFused(kind: string, a: number, calls: { steps: number }): LearnedOptimizer<TinyState> {
  return withReplayedFusedUnroll(tinyLearned(kind, a), calls);
}

function sub(map: TensorMap, keys: string[]): TensorMap {
  return Object.fromEntries(keys.map((k) => [k, map[k]!]));
}

/** Runs `steps` steps of `opt` on the conformance quadratic `seed`; returns every update, flattened per key. */
function trajectory(opt: Optimizer, steps: number, seed: number, only?: string[]): Record<string, number[][]> {
  const rng = Rng.seeded(seed);
  const task = conformanceQuadraticFamily().sample(rng.fork());
  const full = task.init(rng.fork());
  let theta = only ? sub(full, only) : full;
  if (only) for (const k of Object.keys(full)) if (!only.includes(k)) full[k]!.dispose();
  let state = opt.init(theta);
  const out: Record<string, number[][]> = {};
  const fixed = task.init(Rng.seeded(seed, 99)); // the other parameters, held fixed when `only` is given
  for (let t = 0; t < steps; t++) {
    const all = { ...fixed, ...theta };
    const { loss, grads } = lossAndGrad(task, all, null);
    const g = sub(grads, Object.keys(theta));
    const step = opt.update(g, state, theta);
    for (const [k, u] of Object.entries(step.updates)) {
      out[k] ??= [];
      out[k].push(Array.from(u.dataSync()));
    }
    const next = addMaps(theta, step.updates);
    disposeMap(step.updates);
    disposeMap(grads);
    loss.dispose();
    disposeMap(theta);
    tf.dispose(state as tf.TensorContainer);
    theta = next;
    state = step.state;
  }
  disposeMap(theta);
  disposeMap(fixed);
  tf.dispose(state as tf.TensorContainer);
  task.dispose?.();
  return out;
}

describe('partitionOptimizer', () => {
  it('equals running each optimizer on its own subset of the parameters', () => {
    const part = partitionOptimizer({
      groups: [
        { name: 'weights', match: /^w$/, optimizer: adam({ learningRate: 0.1 }) },
        { name: 'rest', match: (n) => n !== 'w', optimizer: momentum(0.05, 0.9) },
      ],
    });
    expect(part.name).toBe(`partition(weights: ${adam({ learningRate: 0.1 }).name}, rest: momentum(0.05, 0.9))`);
    // With both groups present, updates are separable: each group's trajectory only depends on its gradients,
    // and the quadratic's gradient in w does not depend on b. So each subset run must match exactly.
    const both = trajectory(part, 6, 1);
    const onlyW = trajectory(adam({ learningRate: 0.1 }), 6, 1, ['w']);
    const onlyB = trajectory(momentum(0.05, 0.9), 6, 1, ['b']);
    expect(both['w']).toEqual(onlyW['w']);
    expect(both['b']).toEqual(onlyB['b']);
  });

  it('keeps the state per group and a group without parameters gets {}', () => {
    const part = partitionOptimizer({
      groups: [
        { name: 'a', match: /^w$/, optimizer: adam({ learningRate: 0.1 }) },
        { name: 'b', match: /^b$/, optimizer: momentum(0.1, 0.5) },
        { name: 'none', match: /^conv/, optimizer: momentum(0.1, 0.5) },
      ],
    });
    const params = { w: tf.ones([2, 2]), b: tf.ones([3]) };
    const s = part.init(params);
    expect(Object.keys(s).sort()).toEqual(['a', 'b', 'none']);
    expect(s['none']).toEqual({});
    expect(Object.keys(s['b'] as object)).toEqual(['b']);
    tf.dispose(s);
    disposeMap(params);
  });

  it('rejects unmatched and doubly matched parameters, bad names and stateful RegExps, naming them', () => {
    const opt = momentum(0.1, 0);
    const params = { 'conv0/w': tf.ones([2]), 'fc0/w': tf.ones([2]) };
    const only = partitionOptimizer({ groups: [{ name: 'conv', match: /^conv/, optimizer: opt }] });
    expect(() => only.init(params)).toThrow(
      /parameter "fc0\/w" matches no group; every parameter must match exactly one of: conv/,
    );
    const twice = partitionOptimizer({
      groups: [
        { name: 'conv', match: /^conv/, optimizer: opt },
        { name: 'all', match: /./, optimizer: opt },
      ],
    });
    expect(() => twice.init(params)).toThrow(/"conv0\/w" matches 2 groups \(conv, all\)/);
    expect(() => partitionOptimizer({ groups: [] })).toThrow(/groups: must hold at least one group/);
    expect(() =>
      partitionOptimizer({
        groups: [
          { name: 'x', match: /a/, optimizer: opt },
          { name: 'x', match: /b/, optimizer: opt },
        ],
      }),
    ).toThrow(/"x" appears twice/);
    expect(() => partitionOptimizer({ groups: [{ name: 'a/b', match: /a/, optimizer: opt }] })).toThrow(/without "\/"/);
    expect(() => partitionOptimizer({ groups: [{ name: 'a', match: /a/g, optimizer: opt }] })).toThrow(
      /flags g and y are not allowed/,
    );
    disposeMap(params);
  });
});

registerConformance(
  {
    name: 'partition(adam | momentum)',
    make: () =>
      partitionOptimizer({
        groups: [
          { name: 'w', match: /^w$/, optimizer: adam({ learningRate: 0.1 }) },
          { name: 'b', match: /^b$/, optimizer: momentum(0.05, 0.5) },
        ],
      }),
  },
  { describe, it },
);

describe('partitionLearned', () => {
  const make = (): ReturnType<typeof partitionLearned> =>
    partitionLearned({
      groups: [
        { name: 'conv', match: /^w$/, learned: tinyLearned('tiny-a', 0.05) },
        { name: 'fc', match: /^b$/, learned: tinyLearned('tiny-b', 0.08) },
      ],
    });

  it('prefixes φ by group, records a serialisable config and rebuilds from it', () => {
    const learned = make();
    expect(learned.kind).toBe('partition');
    expect(JSON.parse(JSON.stringify(learned.config))).toEqual({
      groups: [
        { name: 'conv', pattern: '^w$', flags: '', kind: 'tiny-a', config: { a: 0.05 } },
        { name: 'fc', pattern: '^b$', flags: '', kind: 'tiny-b', config: { a: 0.08 } },
      ],
    });
    const phi = learned.initMetaParams(Rng.seeded(1));
    expect(Object.keys(phi).sort()).toEqual(['conv/a', 'conv/b', 'conv/d', 'fc/a', 'fc/b', 'fc/d']);
    const rebuilt = partitionLearnedFromConfig(learned.config, (kind, config) =>
      tinyLearned(kind, config['a'] as number),
    );
    expect(rebuilt.config).toEqual(learned.config);
    expect(trajectory(rebuilt.withMetaParams(phi), 3, 2)).toEqual(trajectory(learned.withMetaParams(phi), 3, 2));
    expect(() => learned.withMetaParams({ ...phi, 'other/a': phi['conv/a']! })).toThrow(
      /"other\/a" belongs to no group/,
    );
    expect(() =>
      partitionLearned({
        groups: [{ name: 'x', match: ((n: string) => n === 'w') as unknown as RegExp, learned: tinyLearned('t', 1) }],
      }),
    ).toThrow(/must be a RegExp/);
    disposeMap(phi);
  });

  it("meta-gradient of an unroll is each group's own meta-gradient (both non-zero)", () => {
    const learned = make();
    const phi = learned.initMetaParams(Rng.seeded(1));
    const rng = Rng.seeded(4);
    const task = conformanceQuadraticFamily().sample(rng.fork());
    const theta0 = task.init(rng.fork());
    const opt = learned.withMetaParams(phi);
    const state0 = opt.init(theta0);
    // Record an unroll of 4 steps.
    const grads: TensorMap[] = [];
    let theta = theta0;
    let state = state0;
    for (let k = 0; k <= 4; k++) {
      const lg = lossAndGrad(task, theta, null);
      lg.loss.dispose();
      grads.push(lg.grads);
      if (k === 4) break;
      const step = opt.update(lg.grads, state, theta);
      const next = addMaps(theta, step.updates);
      disposeMap(step.updates);
      if (theta !== theta0) disposeMap(theta);
      if (state !== state0) tf.dispose(state);
      theta = next;
      state = step.state;
    }
    const w = [1, 1, 1, 1];
    const whole = unrollMetaGradient(learned, phi, theta0, state0, grads, w);
    for (const [group, key, kind, a] of [
      ['conv', 'w', 'tiny-a', 0.05],
      ['fc', 'b', 'tiny-b', 0.08],
    ] as const) {
      const single = tinyLearned(kind, a);
      const sphi = { a: phi[`${group}/a`]!, b: phi[`${group}/b`]!, d: phi[`${group}/d`]! };
      const own = unrollMetaGradient(
        single,
        sphi,
        sub(theta0, [key]),
        state0[group] as TinyState,
        grads.map((g) => sub(g, [key])),
        w,
      );
      for (const k of ['a', 'b', 'd']) {
        const x = whole[`${group}/${k}`]!.dataSync()[0]!;
        expect(Math.abs(x)).toBeGreaterThan(1e-6);
        expect(x).toBeCloseTo(own[k]!.dataSync()[0]!, 5);
      }
      disposeMap(own);
    }
    disposeMap(whole);
    for (const g of grads) disposeMap(g);
    disposeMap(theta);
    disposeMap(theta0);
    tf.dispose([state, state0]);
    disposeMap(phi);
    task.dispose?.();
  });

  it('meta-trains through metaTrain: both groups move and the loss improves', async () => {
    const learned = make();
    const phi0 = learned.initMetaParams(Rng.seeded(-1));
    const before = tf.memory().numTensors;
    const res = await metaTrain({
      learned,
      family: conformanceQuadraticFamily(),
      epochs: 8,
      horizon: 10,
      unroll: 5,
      seed: 3,
      metaLearningRate: 0.01,
      validateEvery: 4,
      validationProblems: 2,
    });
    for (const k of Object.keys(phi0)) {
      const moved = Math.abs(res.lastMetaParams[k]!.dataSync()[0]! - phi0[k]!.dataSync()[0]!);
      expect(moved, `meta-parameter ${k} did not move`).toBeGreaterThan(1e-4);
    }
    expect(res.history.length).toBe(8);
    expect(res.bestValidation).toBeLessThanOrEqual(res.history[0]!.validation ?? Infinity);
    disposeMap(res.metaParams);
    disposeMap(res.lastMetaParams);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi0);
  });

  it('offers a fused unroll when its groups do, routed per group: same φ as the generic path', async () => {
    const calls = { steps: 0 };
    const fusedLearned = partitionLearned({
      groups: [
        { name: 'conv', match: /^w$/, learned: tinyFused('tiny-a', 0.05, calls) },
        { name: 'fc', match: /^b$/, learned: tinyFused('tiny-b', 0.08, calls) },
        { name: 'unused', match: /^nothing$/, learned: tinyFused('tiny-c', 0.1, calls) },
      ],
    });
    const run = (fused: boolean) =>
      metaTrain({
        learned: fusedLearned,
        family: conformanceQuadraticFamily(),
        epochs: 3,
        horizon: 10,
        unroll: 5,
        seed: 5,
        metaLearningRate: 0.01,
        validateEvery: 3,
        validationProblems: 1,
        fused,
      });
    const before = tf.memory().numTensors;
    const generic = await run(false);
    expect(calls.steps).toBe(0);
    const fused = await run(true);
    expect(calls.steps).toBe(2 * 3 * 10); // two non-empty groups, 3 epochs of 10 steps
    for (const k of Object.keys(generic.lastMetaParams)) {
      expect(fused.lastMetaParams[k]!.dataSync()[0]!, k).toBeCloseTo(generic.lastMetaParams[k]!.dataSync()[0]!, 5);
    }
    expect(Math.abs(fused.lastMetaParams['conv/a']!.dataSync()[0]! - 0.05)).toBeGreaterThan(1e-4);
    expect(fused.lastMetaParams['unused/a']!.dataSync()[0]).toBeCloseTo(0.1, 6);
    for (const r of [generic, fused]) {
      disposeMap(r.metaParams);
      disposeMap(r.lastMetaParams);
    }
    expect(tf.memory().numTensors).toBe(before);
    // Without a fused path in every non-empty group, the partition offers none.
    const mixed = partitionLearned({
      groups: [
        { name: 'conv', match: /^w$/, learned: tinyFused('tiny-a', 0.05, calls) },
        { name: 'fc', match: /^b$/, learned: tinyLearned('tiny-b', 0.08) },
      ],
    });
    const phi = mixed.initMetaParams(Rng.seeded(1));
    const st = mixed.withMetaParams(phi).init({ w: tf.zeros([2]), b: tf.zeros([2]) });
    const n = tf.memory().numTensors;
    expect(mixed.beginFusedUnroll!(phi, st)).toBeUndefined();
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose(st);
    disposeMap(phi);
  });
});
