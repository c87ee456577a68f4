import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

const params = { 'dense/kernel': [2, -4], 'dense/bias': [8] };
const grads = [{ 'dense/kernel': [1, 1], 'dense/bias': [1] }];

describe('addDecayedWeights', () => {
  it('out = u + λθ for every parameter without a mask', () => {
    const out = runSteps(addDecayedWeights(0.5), params, grads).updates[0]!;
    expect(out).toEqual({ 'dense/kernel': [2, -1], 'dense/bias': [5] });
  });

  it('decays only what the mask selects (RegExp or predicate); the rest passes unchanged', () => {
    for (const mask of [/kernel$/, (n: string) => n.endsWith('kernel')]) {
      const out = runSteps(addDecayedWeights(0.5, mask), params, grads).updates[0]!;
      expect(out).toEqual({ 'dense/kernel': [2, -1], 'dense/bias': [1] });
    }
  });

  it('records a RegExp mask in its config; a predicate mask has no config', () => {
    expect(addDecayedWeights(0.01).config).toEqual({ name: 'addDecayedWeights', rate: 0.01 });
    expect(addDecayedWeights(0.01, /kernel/i).config).toEqual({
      name: 'addDecayedWeights',
      rate: 0.01,
      pattern: 'kernel',
      flags: 'i',
    });
    expect(addDecayedWeights(0.01, () => true).config).toBeUndefined();
  });

  it('rejects a bad rate or mask and parameters that do not match the updates', () => {
    expect(() => addDecayedWeights(-1)).toThrow(/addDecayedWeights: rate must be a finite number ≥ 0; got -1/);
    expect(() => addDecayedWeights(0.1, /w/g)).toThrow(/addDecayedWeights\.mask: RegExp flags g and y are not allowed/);
    expect(() => addDecayedWeights(0.1, 'w' as unknown as RegExp)).toThrow(
      /addDecayedWeights\.mask: must be a RegExp or a function/,
    );
    const opt = addDecayedWeights(0.1);
    const u = { a: tf.zeros([2]) };
    const p = { b: tf.zeros([2]) };
    expect(() => opt.update(u, {}, p)).toThrow(/addDecayedWeights\.update: parameter names differ/);
    tf.dispose([u, p] as tf.TensorContainer);
  });
});
