import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '@l2o/core';
import { BASELINE_NAMES, baselineFromConfig, makeBaseline, parseBaselineName } from './registry.js';

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

  it('builds a baseline from its JSON description, hyperparameters included; unknown fields are refused by name', () => {
    expect(baselineFromConfig({ name: 'nag', learningRate: 1 }).name).toBe('nag(lr=1)');
    expect(baselineFromConfig({ name: 'nag', learningRate: 1, momentum: 0.5 }).name).toBe('nag(lr=1, momentum=0.5)');
    expect(baselineFromConfig({ name: 'adam', learningRate: 0.01, beta1: 0.8 }).name).toBe('adam(lr=0.01, beta1=0.8)');
    expect(() => baselineFromConfig({ name: 'nag', learningRate: 1, beta1: 0.9 })).toThrow(
      /base\.beta1: not a field of nag; allowed fields: name, learningRate, momentum/,
    );
    expect(() => baselineFromConfig({ name: 'lbfgs', learningRate: 1 })).toThrow(
      /base\.name: unknown baseline "lbfgs"; allowed values: sgd, nag, rmsprop, adam/,
    );
    expect(() => baselineFromConfig({ name: 'sgd', learningRate: -1 })).toThrow(/learningRate/);
  });
});
