import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, evaluate, initEngine, lossAndGrad, Rng } from '@l2o/core';
import { attentionModel } from './attention-model.js';
import { copyTask } from './copy-task.js';
import { markovTask, type MarkovChain } from './markov-task.js';
import { rnnModel } from './rnn-model.js';
import { sequenceFamily } from './sequence-family.js';

beforeAll(async () => {
  await initEngine('wasm');
});

describe('sequenceFamily', () => {
  it('draws a task instance per problem and reproducible θ₀ and batches; leaks no tensor', () => {
    const family = sequenceFamily({ task: markovTask(), model: rnnModel(), batchSize: 8 });
    const a = family.sample(Rng.seeded(1));
    const b = family.sample(Rng.seeded(1));
    const c = family.sample(Rng.seeded(2));
    const P = (x: typeof a): number[] => Array.from((x.instance as MarkovChain).transitions);
    expect(P(a)).toEqual(P(b));
    expect(P(a)).not.toEqual(P(c));
    const pa = a.init(Rng.seeded(3));
    const pb = a.init(Rng.seeded(3));
    expect(Array.from(pa['rnn/wh']!.dataSync())).toEqual(Array.from(pb['rnn/wh']!.dataSync()));
    const ba = a.sampleBatch(Rng.seeded(4));
    const bb = b.sampleBatch(Rng.seeded(4));
    expect(ba.inputs.shape).toEqual([8, 16, 8]);
    expect(Array.from(ba.inputs.dataSync())).toEqual(Array.from(bb.inputs.dataSync()));
    const before = tf.memory().numTensors;
    const rng = Rng.seeded(5);
    for (let i = 0; i < 3; i++) {
      const batch = a.sampleBatch(rng);
      const { loss, grads } = lossAndGrad(a, pa, batch);
      tf.dispose([batch, loss, grads]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([pa, pb, ba, bb]);
  });

  it('is learnable: Adam cuts the RNN’s Markov loss by a sixth in 150 steps, and attention learns to copy', async () => {
    const markov = sequenceFamily({
      task: markovTask({ vocab: 6, length: 12 }),
      model: rnnModel({ hidden: 16 }),
      batchSize: 32,
    });
    const m = await evaluate({
      family: markov,
      optimizers: [{ name: 'adam', optimizer: adam({ learningRate: 0.03 }) }],
      problems: 1,
      steps: 150,
      seed: 1,
    });
    const mc = m.curves[0]!;
    expect(mc.mean[0]).toBeGreaterThan(1.2 * mc.mean[150]!);
    const copy = sequenceFamily({
      task: copyTask({ vocab: 6, copyLength: 3 }),
      model: attentionModel({ width: 16 }),
      batchSize: 32,
    });
    const c = await evaluate({
      family: copy,
      optimizers: [{ name: 'adam', optimizer: adam({ learningRate: 0.02 }) }],
      problems: 1,
      steps: 200,
      seed: 1,
    });
    const cc = c.curves[0]!;
    expect(cc.mean[200]).toBeLessThan(0.5 * Math.log(5)); // well below guessing among the 5 content tokens
  });

  it('refuses bad options naming the field', () => {
    expect(() => sequenceFamily({ task: {} as never, model: rnnModel() })).toThrow(
      /sequenceFamily\.task: must be a SequenceTask/,
    );
    expect(() => sequenceFamily({ task: markovTask(), model: {} as never })).toThrow(/sequenceFamily\.model/);
    expect(() => sequenceFamily({ task: markovTask(), model: rnnModel(), batchSize: 0 })).toThrow(
      /sequenceFamily\.batchSize/,
    );
    expect(() => sequenceFamily({ task: markovTask(), model: rnnModel(), batch: 3 } as never)).toThrow(
      /unknown option "batch"/,
    );
  });
});
