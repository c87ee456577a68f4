import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { assertSameKeys } from '../tensor-map.js';
import type { TensorMap } from '../types.js';
import { chain } from './chain.js';
import { mapState } from './map-state.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { trace } from './trace.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

type Momentum = { readonly buffer: TensorMap };
const heavyBall = () =>
  mapState(chain(trace({ decay: 0.5 }), scaleByLearningRate(1)), {
    name: 'heavy-ball',
    config: { name: 'heavyBall' },
    toInner: (s: Momentum) => [{ velocity: s.buffer }, {}] as const,
    toOuter: ([t]) => ({ buffer: t.velocity }),
    validate: (grads, s) => assertSameKeys(grads, s.buffer, 'heavy-ball.update'),
  });

describe('mapState', () => {
  it('gives the inner optimizer’s updates with the state in the outer layout', () => {
    const grads = [{ x: [1, -2] }, { x: [2, 2] }];
    const run = runSteps(heavyBall(), { x: [0, 0] }, grads);
    const inner = runSteps(chain(trace({ decay: 0.5 }), scaleByLearningRate(1)), { x: [0, 0] }, grads);
    expect(run.updates).toEqual(inner.updates);
    expect(run.states[1]).toEqual({ buffer: { x: [2.5, 1] } });
    expect(heavyBall().name).toBe('heavy-ball');
    expect(heavyBall().config).toEqual({ name: 'heavyBall' });
  });

  it('runs `validate` first, so errors name the outer optimizer', () => {
    const opt = heavyBall();
    const p = { x: tf.zeros([2]) };
    const s = opt.init(p);
    const g = { y: tf.zeros([2]) };
    expect(() => opt.update(g, s, p)).toThrow(/^heavy-ball\.update: parameter names differ/);
    tf.dispose([p, s, g] as tf.TensorContainer);
  });

  it('refuses options without both translations', () => {
    expect(() => mapState(trace({ decay: 0.5 }), {} as never)).toThrow(/mapState: options must be \{ toInner/);
    expect(() => mapState({} as never, { toInner: (s) => s, toOuter: (s) => s })).toThrow(/mapState\.inner/);
  });
});
