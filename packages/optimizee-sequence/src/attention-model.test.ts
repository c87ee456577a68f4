import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine, lossAndGrad, Rng } from '@l2o/core';
import { attentionModel } from './attention-model.js';
import { copyTask } from './copy-task.js';
import { sequenceFamily, tokenBatchTensors } from './sequence-family.js';
import type { TokenBatch } from './sequence-task.js';

beforeAll(async () => {
  await initEngine('wasm');
});

/** Float64 reference of the one-layer causal attention model's masked mean cross-entropy. */
function attentionLoss64(p: Record<string, Float64Array>, V: number, D: number, tok: TokenBatch): number {
  const T = tok.length;
  const vecMat = (x: Float64Array, w: Float64Array, n: number, m: number): Float64Array => {
    const out = new Float64Array(m);
    for (let j = 0; j < m; j++) for (let i = 0; i < n; i++) out[j] = out[j]! + x[i]! * w[i * m + j]!;
    return out;
  };
  let total = 0;
  let count = 0;
  for (let b = 0; b < tok.batch; b++) {
    const e = Array.from({ length: T }, (_, t) => {
      const x = tok.inputs[b * T + t]!;
      return Float64Array.from(
        { length: D },
        (_, d) => p['embed/tokens']![x * D + d]! + p['embed/positions']![t * D + d]!,
      );
    });
    const q = e.map((v) => vecMat(v, p['attn/wq']!, D, D));
    const k = e.map((v) => vecMat(v, p['attn/wk']!, D, D));
    const val = e.map((v) => vecMat(v, p['attn/wv']!, D, D));
    for (let t = 0; t < T; t++) {
      const scores = Array.from(
        { length: t + 1 },
        (_, s) => q[t]!.reduce((acc, qi, i) => acc + qi * k[s]![i]!, 0) / Math.sqrt(D),
      );
      const m = Math.max(...scores);
      const w = scores.map((x) => Math.exp(x - m));
      const z = w.reduce((a, c) => a + c, 0);
      const o = new Float64Array(D);
      for (let s = 0; s <= t; s++) for (let d = 0; d < D; d++) o[d] = o[d]! + (w[s]! / z) * val[s]![d]!;
      const mixed = vecMat(o, p['attn/wo']!, D, D);
      const h = e[t]!.map((v, d) => v + mixed[d]!);
      const logits = Array.from(vecMat(h, p['out/w']!, D, V), (v, i) => v + p['out/b']![i]!);
      const lm = Math.max(...logits);
      const lse = lm + Math.log(logits.reduce((a, l) => a + Math.exp(l - lm), 0));
      const mask = tok.mask[b * T + t]!;
      total += mask * (lse - logits[tok.targets[b * T + t]!]!);
      count += mask;
    }
  }
  return total / count;
}

describe('attentionModel', () => {
  it('loss equals a float64 reference (causal, residual) and the gradient matches its finite differences', () => {
    const V = 5;
    const D = 3;
    const task = copyTask({ vocab: V, copyLength: 2 });
    const family = sequenceFamily({ task, model: attentionModel({ width: D }), batchSize: 3 });
    expect(family.name).toBe('copy-v5-k2-attention-d3');
    const problem = family.sample(Rng.seeded(1));
    const init = problem.init(Rng.seeded(2));
    const rng = Rng.seeded(3);
    const params: Record<string, tf.Tensor> = {};
    for (const [k, v] of Object.entries(init))
      params[k] = k === 'out/b' ? tf.tensor1d(rng.normalArray(v.size, 0, 0.5)) : v;
    const tok = problem.instance.sampleTokens(Rng.seeded(4), 3);
    const batch = tokenBatchTensors(tok, V);
    const ref: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(params)) ref[k] = Float64Array.from(v.dataSync());
    const { loss, grads } = lossAndGrad(problem, params, batch);
    expect(loss.dataSync()[0]).toBeCloseTo(attentionLoss64(ref, V, D, tok), 5);
    let checked = 0;
    for (const [k, g] of Object.entries(grads)) {
      const gv = g.dataSync() as Float32Array;
      for (let i = 0; i < gv.length; i++) {
        const a = ref[k]!;
        const keep = a[i]!;
        a[i] = keep + 1e-6;
        const up = attentionLoss64(ref, V, D, tok);
        a[i] = keep - 1e-6;
        const down = attentionLoss64(ref, V, D, tok);
        a[i] = keep;
        const fd = (up - down) / 2e-6;
        expect(Math.abs(gv[i]! - fd)).toBeLessThan(2e-5 + 1e-3 * Math.abs(fd));
        checked++;
      }
    }
    expect(checked).toBe(problem.size);
    tf.dispose([init, params, batch, loss, grads]);
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const model = attentionModel({ width: 4 }).build(5, 6);
    const p = model.init(Rng.seeded(1));
    const a = tokenBatchTensors(
      {
        batch: 1,
        length: 6,
        inputs: Int32Array.from([1, 2, 3, 4, 1, 2]),
        targets: new Int32Array(6),
        mask: new Float32Array(6),
      },
      5,
    );
    const b = tokenBatchTensors(
      {
        batch: 1,
        length: 6,
        inputs: Int32Array.from([1, 2, 3, 0, 0, 0]),
        targets: new Int32Array(6),
        mask: new Float32Array(6),
      },
      5,
    );
    const la = model.logits(p, a.inputs).arraySync()[0]!;
    const lb = model.logits(p, b.inputs).arraySync()[0]!;
    for (let t = 0; t < 3; t++) la[t]!.forEach((v, i) => expect(v).toBeCloseTo(lb[t]![i]!, 5));
    expect(la[3]).not.toEqual(lb[3]);
    tf.dispose([p, a, b]);
    expect(() => attentionModel({ width: 0 })).toThrow(/attentionModel\.width/);
  });
});
