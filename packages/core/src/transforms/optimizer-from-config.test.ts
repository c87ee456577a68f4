import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam } from '../adam.js';
import { initEngine } from '../engine/engine.js';
import { cosineDecaySchedule } from '../schedules/cosine-decay.js';
import { warmupCosineDecaySchedule } from '../schedules/warmup-cosine-decay.js';
import type { JsonObject, Optimizer } from '../types.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { chain } from './chain.js';
import { clipByGlobalNorm } from './clip-by-global-norm.js';
import { masked } from './masked.js';
import { optimizerFromConfig } from './optimizer-from-config.js';
import { partitionOptimizer } from './partition-optimizer.js';
import { scale } from './scale.js';
import { scaleByAdam } from './scale-by-adam.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRms } from './scale-by-rms.js';
import { sumOf } from './sum-of.js';
import { trace } from './trace.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

const params = { 'conv/w': [0.5, -1, 2], 'conv/b': [0.1], 'fc/w': [1, -0.5] };
const grads = [
  { 'conv/w': [1, 2, -1], 'conv/b': [0.5], 'fc/w': [3, -4] },
  { 'conv/w': [-2, 0.5, 1], 'conv/b': [-1], 'fc/w': [1, 1] },
  { 'conv/w': [0.1, -0.2, 3], 'conv/b': [2], 'fc/w': [-2, 0.5] },
];

/** Every transform and combinator of core at least once, each with a config. */
const everything = (): Optimizer =>
  partitionOptimizer({
    groups: [
      {
        name: 'conv',
        match: /^conv\//,
        optimizer: chain(
          clipByGlobalNorm(2),
          scaleByAdam({ b1: 0.8, eps: 1e-6 }),
          addDecayedWeights(0.01, /\/w$/),
          scaleByLearningRate(warmupCosineDecaySchedule({ peakValue: 0.1, warmupSteps: 1, decaySteps: 5, floor: 0.1 })),
        ),
      },
      {
        name: 'fc',
        match: /^fc\//,
        optimizer: sumOf({
          rms: chain(scaleByRms({ centered: true, numeratorScale: 0.3 }), trace({ decay: 0.5 }), scale(-1)),
          momentum: masked(chain(trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.05)), /w/),
          adam: adam({ learningRate: 0.01, beta2: 0.99 }),
          decay: scaleByLearningRate(cosineDecaySchedule({ initialValue: 0.02, decaySteps: 2 })),
        }),
      },
    ],
  });

describe('optimizerFromConfig', () => {
  it('rebuilds every transform and combinator from JSON text: same config, same updates bit for bit', () => {
    const original = everything();
    const text = JSON.stringify(original.config);
    const rebuilt = optimizerFromConfig(JSON.parse(text) as JsonObject);
    expect(rebuilt.config).toEqual(original.config);
    expect(rebuilt.name).toBe(original.name);
    const a = runSteps(original, params, grads);
    const b = runSteps(rebuilt, params, grads);
    expect(b.updates).toEqual(a.updates);
    expect(a.updates[2]!['fc/w']!.every((v) => v !== 0 && Number.isFinite(v))).toBe(true);
  });

  it('refuses unknown names and unknown fields, naming them with the path and the allowed values', () => {
    expect(() => optimizerFromConfig({ name: 'lbfgs' })).toThrow(
      /^optimizer\.name: unknown optimizer "lbfgs"; allowed values: chain, scaleByAdam, /,
    );
    expect(() => optimizerFromConfig({ name: 'chain', parts: [{ name: 'scale', factor: 1, foo: 2 }] })).toThrow(
      /^optimizer\.parts\[0\]\.foo: not a field of scale; allowed fields: name, factor$/,
    );
    expect(() =>
      optimizerFromConfig({
        name: 'partitionOptimizer',
        groups: [{ name: 'a', pattern: '.', optimizer: { name: 'scale', factor: 1 }, extra: true }],
      }),
    ).toThrow(/^optimizer\.groups\[0\]\.extra: not a field of a partition group/);
    expect(() =>
      optimizerFromConfig(
        { name: 'scaleByLearningRate', learningRate: { name: 'cosineDecaySchedule', initialValue: 1, decaySteps: 0 } },
        { field: 'metaOptimizer' },
      ),
    ).toThrow(/^metaOptimizer\.learningRate: cosineDecaySchedule: decaySteps must be an integer ≥ 1; got 0/);
    expect(() => optimizerFromConfig({ name: 'trace', decay: 2 })).toThrow(
      /^optimizer: trace: decay must be a number in \[0, 1\)/,
    );
    expect(() => optimizerFromConfig({ name: 'chain', parts: 3 })).toThrow(/^optimizer\.parts: must be an array/);
    expect(() => optimizerFromConfig({ name: 'masked', pattern: '(', inner: { name: 'scale', factor: 1 } })).toThrow(
      /^optimizer: not a valid RegExp/,
    );
    expect(() => optimizerFromConfig({ name: 'addDecayedWeights', rate: 0.1, flags: 'i' })).toThrow(
      /^optimizer\.pattern: must be a string/,
    );
    expect(() => optimizerFromConfig([] as unknown as JsonObject)).toThrow(/^optimizer: must be an object/);
  });

  it('hands names it does not know to `resolve`, at any depth', () => {
    const resolve = (c: JsonObject): Optimizer | undefined =>
      c['name'] === 'half' ? { ...scale(0.5), config: { name: 'half' } } : undefined;
    const opt = optimizerFromConfig(
      { name: 'chain', parts: [{ name: 'half' }, { name: 'scale', factor: 4 }] },
      { resolve },
    );
    expect(runSteps(opt, { x: [0] }, [{ x: [3] }]).updates).toEqual([{ x: [6] }]);
    expect(() => optimizerFromConfig({ name: 'other' }, { resolve })).toThrow(/or a name the resolver knows/);
  });

  it('rebuilds adam in its own state layout', () => {
    const opt = optimizerFromConfig({ name: 'adam', learningRate: 0.1 });
    expect(opt.name).toBe(adam({ learningRate: 0.1 }).name);
    const p = { x: tf.zeros([2]) };
    const s = opt.init(p) as { step: number };
    expect(s.step).toBe(0);
    tf.dispose([p, s] as tf.TensorContainer);
    expect(() => optimizerFromConfig({ name: 'adam', learningRate: 0.1, beta3: 1 })).toThrow(
      /optimizer\.beta3: not a field of adam; allowed fields: name, learningRate, beta1, beta2, epsilon/,
    );
  });
});
