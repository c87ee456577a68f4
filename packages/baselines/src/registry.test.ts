import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '@l2o/core';
import { BASELINE_NAMES, makeBaseline, parseBaselineName } from './registry.js';

describe('baseline registry', () => {
  beforeAll(async () => {
    await initEngine('wasm');
  });

  it('lists the four baselines', () => {
    expect([...BASELINE_NAMES]).toEqual(['sgd', 'nag', 'rmsprop', 'adam']);
  });

  it('makes each baseline with its learning rate and default hyperparameters', () => {
    expect(BASELINE_NAMES.map((n) => makeBaseline(n, 0.03).name)).toEqual([
      'sgd(lr=0.03)',
      'nag(lr=0.03)',
      'rmsprop(lr=0.03)',
      'adam(lr=0.03)',
    ]);
  });

  it('each made optimizer takes a step that lowers ½‖θ‖² from θ = 1', () => {
    for (const n of BASELINE_NAMES) {
      const opt = makeBaseline(n, 0.1);
      const p = { x: tf.ones([3]) };
      const g = { x: tf.ones([3]) };
      const s = opt.init(p);
      const step = opt.update(g, s, p);
      const u = Array.from(step.updates['x']!.dataSync());
      for (const v of u) expect(v).toBeLessThan(0);
      tf.dispose([p, g, s, step] as tf.TensorContainer);
    }
  });

  it('parses names case-insensitively and rejects others, listing the allowed values', () => {
    expect(parseBaselineName(' Adam ')).toBe('adam');
    expect(() => parseBaselineName('lbfgs')).toThrow(
      'baseline: unknown baseline "lbfgs"; allowed values: sgd, nag, rmsprop, adam',
    );
    expect(() => parseBaselineName('momentum', '--baselines')).toThrow(/^--baselines: unknown baseline "momentum"/);
    expect(() => makeBaseline('sgd', -1)).toThrow(/sgd: learningRate must be a finite number > 0/);
    expect(() => makeBaseline('foo' as 'sgd', 0.1)).toThrow(/allowed values: sgd, nag, rmsprop, adam/);
  });
});
