import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from './adam.js';
import { initEngine } from './engine/engine.js';
import { lossAndGrad } from './loss-and-grad.js';
import { unrollMetaGradient } from './meta-gradient.js';
import { metaTrain } from './meta-train.js';
import { residualLearned, residualLearnedFromConfig, type ResidualState } from './residual.js';
import { Rng } from './rng.js';
import { addMaps, disposeMap } from './tensor-map.js';
import {
  forwardUnroll,
  tinyGradientOnly,
  tinyLearned,
  tinyLinearTask,
  tinyQuadraticTask,
  withReplayedFusedUnroll,
} from './test-fixtures.js';
import { conformanceQuadraticFamily, registerConformance } from './testing.js';
import type { LearnedOptimizer, Optimizer, TensorMap } from './types.js';

beforeAll(async () => {
  await initEngine('cpu');
});

const baseConfig = { name: 'adam', learningRate: 0.1 };
const residual = (learned: LearnedOptimizer = tinyLearned() as unknown as LearnedOptimizer) =>
  residualLearned({ base: adam({ learningRate: 0.1 }), baseConfig, learned });

describe('residualLearned (a learned correction on top of a hand-designed optimizer)', () => {
  it('updates are exactly the base update plus the learned update, each with its own state carried', () => {
    const learned = tinyLearned();
    const phi = learned.initMetaParams(Rng.seeded(0));
    const res = residual().withMetaParams(phi);
    const base = adam({ learningRate: 0.1 });
    const inner = learned.withMetaParams(phi);
    const before = tf.memory().numTensors;
    const task = tinyQuadraticTask();
    let theta = task.init(Rng.seeded(1));
    let rs = res.init(theta);
    let bs = base.init(theta);
    let ls = inner.init(theta);
    for (let k = 0; k < 5; k++) {
      const lg = lossAndGrad(task, theta, null);
      lg.loss.dispose();
      const r = res.update(lg.grads, rs, theta);
      const b = base.update(lg.grads, bs, theta);
      const l = inner.update(lg.grads, ls, theta);
      const want = tf.tidy(() => tf.add(b.updates['x']!, l.updates['x']!).arraySync() as number[]);
      const got = r.updates['x']!.arraySync() as number[];
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
      // The state holds both parts' states.
      const st = r.state as ResidualState;
      expect((st.learned as Record<string, tf.Tensor>)['x']!.arraySync()).toEqual(
        (l.state as Record<string, tf.Tensor>)['x']!.arraySync(),
      );
      const next = addMaps(theta, r.updates);
      disposeMap(theta);
      disposeMap(lg.grads);
      tf.dispose([r.updates, b.updates, l.updates, rs, bs, ls] as tf.TensorContainer[]);
      theta = next;
      rs = r.state;
      bs = b.state;
      ls = l.state;
    }
    tf.dispose([theta, rs, bs, ls] as tf.TensorContainer[]);
    task.dispose?.();
    expect(tf.memory().numTensors).toBe(before + 1); // the task's constant a
    disposeMap(phi);
  });

  it('meta-gradient equals central finite differences of the true meta-loss (linear task)', () => {
    const K = 6;
    const w = [1, 1, 0.5, 1, 2, 1];
    const task = tinyLinearTask();
    const learned = residual();
    const phi = learned.initMetaParams(Rng.seeded(0));
    const metaLoss = (p: TensorMap): number => {
      const r = forwardUnroll(learned.withMetaParams(p), task, K);
      r.grads.forEach(disposeMap);
      return r.losses.reduce((s, l, i) => s + w[i]! * l, 0);
    };
    const { grads } = forwardUnroll(learned.withMetaParams(phi), task, K);
    const theta0 = task.init(Rng.seeded(1));
    const state0 = learned.withMetaParams(phi).init(theta0);
    const g = unrollMetaGradient(learned, phi, theta0, state0, grads, w);
    for (const key of Object.keys(phi)) {
      const eps = 1e-2;
      const v = phi[key]!.dataSync()[0]!;
      const up = tf.scalar(v + eps);
      const down = tf.scalar(v - eps);
      const fd = (metaLoss({ ...phi, [key]: up }) - metaLoss({ ...phi, [key]: down })) / (2 * eps);
      tf.dispose([up, down]);
      const ours = g[key]!.dataSync()[0]!;
      expect(Math.abs(fd), `finite difference of ${key} is not informative`).toBeGreaterThan(1e-3);
      expect(Math.abs(ours - fd)).toBeLessThan(3e-3 * Math.max(1, Math.abs(fd)));
    }
    // …and it is the learned part's own meta-gradient on the same gradients only where the base does not move
    // θ; with the base moving θ, the learned part sees other gradients, so the two differ.
    tf.dispose([g, grads, theta0, state0] as tf.TensorContainer[]);
    disposeMap(phi);
  });

  it('meta-trains with the fused unroll of its learned part: the same φ as the generic path, base steps on tfjs', async () => {
    const calls = { steps: 0 };
    const fusedTiny = withReplayedFusedUnroll(tinyGradientOnly('tiny', 0.05), calls) as unknown as LearnedOptimizer;
    const learned = residual(fusedTiny);
    const go = (fused: boolean) =>
      metaTrain({
        learned,
        family: conformanceQuadraticFamily(),
        epochs: 3,
        horizon: 10,
        unroll: 5,
        seed: 3,
        metaLearningRate: 0.01,
        validateEvery: 3,
        validationProblems: 1,
        fused,
      });
    const before = tf.memory().numTensors;
    const generic = await go(false);
    expect(calls.steps).toBe(0);
    const fused = await go(true);
    expect(calls.steps).toBe(3 * 10);
    for (const k of Object.keys(generic.lastMetaParams)) {
      const a = generic.lastMetaParams[k]!.dataSync()[0]!;
      expect(fused.lastMetaParams[k]!.dataSync()[0]!, k).toBeCloseTo(a, 5);
    }
    expect(Math.abs(fused.lastMetaParams['a']!.dataSync()[0]! - 0.05)).toBeGreaterThan(1e-4);
    for (const r of [generic, fused]) {
      disposeMap(r.metaParams);
      disposeMap(r.lastMetaParams);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('fused state() hands back new tensors of both parts; dispose frees what the unroll made', () => {
    const calls = { steps: 0 };
    const learned = residual(
      withReplayedFusedUnroll(tinyGradientOnly('tiny', 0.05), calls) as unknown as LearnedOptimizer,
    );
    const phi = learned.initMetaParams(Rng.seeded(0));
    const task = tinyQuadraticTask();
    const theta = task.init(Rng.seeded(1));
    const state0 = learned.withMetaParams(phi).init(theta);
    const before = tf.memory().numTensors;
    const u = learned.beginFusedUnroll!(phi, state0)!;
    const lg = lossAndGrad(task, theta, null);
    lg.loss.dispose();
    const upd = u.step(lg.grads, theta);
    const st = u.state();
    u.dispose();
    // Adam's first step moves every coordinate by ≈ lr against the gradient's sign; the tiny part adds −a·tanh(b·g).
    const g = lg.grads['x']!.arraySync() as number[];
    (upd['x']!.arraySync() as number[]).forEach((v, i) => {
      expect(v).toBeCloseTo(-0.1 * Math.sign(g[i]!) - 0.05 * Math.tanh(0.5 * g[i]!), 4);
    });
    tf.dispose([upd, lg.grads, st] as tf.TensorContainer[]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([theta, state0] as tf.TensorContainer[]);
    disposeMap(phi);
  });

  it('records its base and learned part in a JSON config and rebuilds from it; bad input names the field', () => {
    const learned = residual();
    expect(learned.kind).toBe('residual');
    expect(learned.name).toMatch(/^residual\(adam\(lr=0\.1\) \+ tiny\)$/);
    const config = JSON.parse(JSON.stringify(learned.config)) as typeof learned.config;
    expect(config).toEqual({ base: baseConfig, kind: 'tiny', config: {} });
    const seen: string[] = [];
    const rebuilt = residualLearnedFromConfig(
      config,
      (kind) => {
        seen.push(kind);
        return tinyLearned() as unknown as LearnedOptimizer;
      },
      (c) => adam({ learningRate: Number(c['learningRate']) }),
    );
    expect(seen).toEqual(['tiny']);
    expect(rebuilt.config).toEqual(config);
    expect(() =>
      residualLearnedFromConfig(
        { base: 1, kind: 'tiny', config: {} },
        () => tinyLearned() as unknown as LearnedOptimizer,
        () => adam({ learningRate: 1 }),
      ),
    ).toThrow(/config: must be \{ base: object, kind: string, config: object \}/);
    expect(() =>
      residualLearned({ base: {} as Optimizer, baseConfig, learned: tinyLearned() as unknown as LearnedOptimizer }),
    ).toThrow(/residualLearned\.base: must be an Optimizer/);
    expect(() =>
      residualLearned({ base: adam({ learningRate: 1 }), baseConfig, learned: {} as LearnedOptimizer }),
    ).toThrow(/residualLearned\.learned: must be a LearnedOptimizer/);
    const opt = learned.withMetaParams({});
    expect(() => opt.update({}, {} as ResidualState, {})).toThrow(/state must be \{ base, learned \}/);
  });
});

registerConformance(
  {
    name: 'residual(adam + tiny)',
    make: () => residual().withMetaParams(residual().initMetaParams(Rng.seeded(0))),
    learned: residual(),
    metaTrainEpochs: 10,
  },
  { describe, it },
);
