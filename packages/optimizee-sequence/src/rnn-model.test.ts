import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import { markovTask } from './markov-task.js';
import { rnnModel } from './rnn-model.js';
import { sequenceFamily } from './sequence-family.js';
import type { TokenBatch } from './sequence-task.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** Float64 reference: masked mean cross-entropy of the Elman RNN, written out. */
function rnnLoss64(p: Record<string, Float64Array>, V: number, H: number, tok: TokenBatch): number {
  let total = 0;
  let count = 0;
  for (let b = 0; b < tok.batch; b++) {
    let h = new Float64Array(H);
    for (let t = 0; t < tok.length; t++) {
      const x = tok.inputs[b * tok.length + t]!;
      const nh = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        let z = p['rnn/wx']![x * H + j]! + p['rnn/b']![j]!;
        for (let i = 0; i < H; i++) z += h[i]! * p['rnn/wh']![i * H + j]!;
        nh[j] = Math.tanh(z);
      }
      h = nh;
      const logits = Array.from({ length: V }, (_, v) => {
        let s = p['out/b']![v]!;
        for (let i = 0; i < H; i++) s += h[i]! * p['out/w']![i * V + v]!;
        return s;
      });
      const m = Math.max(...logits);
      const lse = m + Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0));
      const w = tok.mask[b * tok.length + t]!;
      total += w * (lse - logits[tok.targets[b * tok.length + t]!]!);
      count += w;
    }
  }
  return total / count;
}

describe('rnnModel', () => {
  it('loss equals a float64 reference and backpropagation through time matches its finite differences', () => {
    const V = 4;
    const H = 3;
    const task = markovTask({ vocab: V, length: 5 });
    const family = sequenceFamily({ task, model: rnnModel({ hidden: H }), batchSize: 3 });
    expect(family.name).toBe('markov-v4-l5-rnn-h3');
    const problem = family.sample(Rng.seeded(1));
    expect(problem.size).toBe(V * H + H * H + H + H * V + V);
    const init = problem.init(Rng.seeded(2));
    const rng = Rng.seeded(3);
    const params: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(init)) {
      params[k] = k.endsWith('/b') ? tf.tensor1d(rng.normalArray(v.size, 0, 0.5)) : v;
    }
    const tok = problem.instance.sampleTokens(Rng.seeded(4), 3);
    const batch = {
      inputs: tf.oneHot(tf.tensor2d(tok.inputs, [3, 5], 'int32'), V).toFloat() as tf.Tensor3D,
      targets: tf.oneHot(tf.tensor2d(tok.targets, [3, 5], 'int32'), V).toFloat() as tf.Tensor3D,
      mask: tf.tensor2d(tok.mask, [3, 5]),
    };
    const ref: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(params)) ref[k] = Float64Array.from(v.dataSync());
    const { loss, grads } = lossAndGrad(problem, params, batch);
    expect(loss.dataSync()[0]).toBeCloseTo(rnnLoss64(ref, V, H, tok), 5);
    let checked = 0;
    for (const [k, g] of Object.entries(grads)) {
      const gv = g.dataSync() as Float32Array;
      for (let i = 0; i < gv.length; i++) {
        const a = ref[k]!;
        const keep = a[i]!;
        a[i] = keep + 1e-6;
        const up = rnnLoss64(ref, V, H, tok);
        a[i] = keep - 1e-6;
        const down = rnnLoss64(ref, V, H, tok);
        a[i] = keep;
        const fd = (up - down) / 2e-6;
        expect(Math.abs(gv[i]! - fd)).toBeLessThan(2e-5 + 1e-3 * Math.abs(fd));
        checked++;
      }
    }
    expect(checked).toBe(problem.size);
    expect(
      Math.max(...Object.values(grads).map((g) => Math.max(...Array.from(g.dataSync(), Math.abs)))),
    ).toBeGreaterThan(0.01);
    tf.dispose([init, params, batch, loss, grads]);
  });

  it('initialises as documented and refuses bad options', () => {
    const model = rnnModel({ hidden: 64 }).build(8, 16);
    const p = model.init(Rng.seeded(1));
    const std = (t: tf.Tensor): number => Math.sqrt(tf.tidy(() => tf.moments(t).variance.dataSync()[0]!));
    expect(std(p['rnn/wx']!)).toBeCloseTo(1, 0);
    expect(std(p['rnn/wh']!) * Math.sqrt(64)).toBeCloseTo(1, 0);
    expect(Array.from(p['rnn/b']!.dataSync()).every((v) => v === 0)).toBe(true);
    const wrong = tf.zeros([2, 16, 7]) as tf.Tensor3D;
    expect(() => model.logits(p, wrong)).toThrow(/inputs must be \[batch, 16, 8\]/);
    expect(() => model.logits({}, tf.zeros([2, 16, 8]) as tf.Tensor3D)).toThrow(/params must hold "rnn\/wx"/);
    tf.dispose([p, wrong]);
    expect(() => rnnModel({ hidden: 0 })).toThrow(/rnnModel\.hidden: must be an integer ≥ 1/);
    expect(() => rnnModel({ units: 3 } as never)).toThrow(/unknown option "units"/);
  });
});
