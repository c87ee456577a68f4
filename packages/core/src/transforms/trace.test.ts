import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { trace } from './trace.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

// Three steps with μ = 0.5 (every value below is exact in float32).
const params = { x: [0, 0] };
const grads = [{ x: [1, -2] }, { x: [2, 2] }, { x: [-4, 0.5] }];

describe('trace', () => {
  it('without Nesterov, three steps by hand: v₁ = u₁, v₂ = μv₁ + u₂, v₃ = μv₂ + u₃; out = v', () => {
    const run = runSteps(trace({ decay: 0.5 }), params, grads);
    // v₁ = [1, −2]; v₂ = [0.5, −1] + [2, 2] = [2.5, 1]; v₃ = [1.25, 0.5] + [−4, 0.5] = [−2.75, 1]
    expect(run.updates.map((u) => u['x'])).toEqual([
      [1, -2],
      [2.5, 1],
      [-2.75, 1],
    ]);
    expect(run.states[2]).toEqual({ velocity: { x: [-2.75, 1] } });
  });

  it('with Nesterov, three steps by hand: out = u + μv', () => {
    const run = runSteps(trace({ decay: 0.5, nesterov: true }), params, grads);
    // [1, −2] + 0.5·[1, −2]; [2, 2] + 0.5·[2.5, 1]; [−4, 0.5] + 0.5·[−2.75, 1]
    expect(run.updates.map((u) => u['x'])).toEqual([
      [1.5, -3],
      [3.25, 2.5],
      [-5.375, 1],
    ]);
    expect(run.states.map((s) => (s as { velocity: { x: number[] } }).velocity.x)).toEqual([
      [1, -2],
      [2.5, 1],
      [-2.75, 1],
    ]);
  });

  it('hands out its update as its own tensor, not the state tensor', () => {
    const opt = trace({ decay: 0.9 });
    const p = { x: tf.zeros([2]) };
    const g = { x: tf.ones([2]) };
    const s0 = opt.init(p);
    const step = opt.update(g, s0, p);
    expect(step.updates['x']).not.toBe(step.state.velocity['x']);
    step.updates['x']!.dispose();
    expect(Array.from(step.state.velocity['x']!.dataSync())).toEqual([1, 1]);
    tf.dispose([p, g, s0, step.state] as tf.TensorContainer);
  });

  it('names itself, records its config and rejects bad options by name', () => {
    expect(trace({ decay: 0.9 }).name).toBe('trace(decay=0.9)');
    expect(trace({ decay: 0.9, nesterov: true }).config).toEqual({ name: 'trace', decay: 0.9, nesterov: true });
    expect(() => trace({ decay: 1 })).toThrow(/trace: decay must be a number in \[0, 1\); got 1/);
    expect(() => trace({} as { decay: number })).toThrow(/trace: decay must be a number in \[0, 1\); got undefined/);
    expect(() => trace({ decay: 0.5, nesterov: 1 as unknown as boolean })).toThrow(
      /trace: nesterov must be true or false/,
    );
  });

  it('rejects updates that do not match its state, and a state of another transform', () => {
    const opt = trace({ decay: 0.5 });
    const p = { x: tf.zeros([2]) };
    const s = opt.init(p);
    const g = { x: tf.zeros([3]) };
    expect(() => opt.update(g, s, p)).toThrow(/trace\.update: shape of "x" differs/);
    expect(() => opt.update(g, {} as typeof s, p)).toThrow(/trace\.update: state must be \{ velocity \}/);
    tf.dispose([p, s, g] as tf.TensorContainer);
  });
});
