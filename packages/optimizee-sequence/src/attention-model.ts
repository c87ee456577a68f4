import * as tf from '@tensorflow/tfjs';
import { L2oError, type Rng, type TensorMap } from '@l2o/core';
import { param, type SequenceModel, type SequenceModelSpec } from './sequence-model.js';
import { checkKnown, intOption } from './sequence-task.js';

export interface AttentionModelOptions {
  /** Width D of the embeddings and of the attention. Default 16. */
  readonly width?: number;
}

/**
 * One layer of causal single-head self-attention with a residual connection: e_t = x_t E + P_t (learned token and
 * position embeddings), q, k, v = e W_q, e W_k, e W_v, a = softmax(q kᵀ/√D + causal mask), h = e + (a v) W_o,
 * logits = h W_out + b_out. Position t attends to positions ≤ t only. Parameters `embed/tokens` [V, D] and
 * `embed/positions` [T, D] ~ N(0, 1), `attn/wq`, `attn/wk`, `attn/wv`, `attn/wo` [D, D] and `out/w` [D, V] ~
 * N(0, 1/D), `out/b` [V] = 0.
 */
export function attentionModel(options: AttentionModelOptions = {}): SequenceModelSpec {
  checkKnown(options, ['width'], 'attentionModel');
  const width = intOption(options.width, 16, 1, 'attentionModel', 'width');
  const name = `attention-d${width}`;
  return {
    name,
    build(vocab: number, length: number): SequenceModel {
      const D = width;
      const T = length;
      // 0 where t' ≤ t, −1e9 above the diagonal: added to the scores before the softmax.
      const maskValues = new Float32Array(T * T);
      for (let t = 0; t < T; t++) for (let s = t + 1; s < T; s++) maskValues[t * T + s] = -1e9;
      const scale = 1 / Math.sqrt(D);
      return {
        name,
        size: vocab * D + T * D + 4 * D * D + D * vocab + vocab,
        init(rng: Rng): TensorMap {
          const square = (): tf.Tensor2D => tf.tensor2d(rng.normalArray(D * D, 0, scale), [D, D]);
          return {
            'embed/tokens': tf.tensor2d(rng.normalArray(vocab * D), [vocab, D]),
            'embed/positions': tf.tensor2d(rng.normalArray(T * D), [T, D]),
            'attn/wq': square(),
            'attn/wk': square(),
            'attn/wv': square(),
            'attn/wo': square(),
            'out/w': tf.tensor2d(rng.normalArray(D * vocab, 0, scale), [D, vocab]),
            'out/b': tf.zeros([vocab]),
          };
        },
        logits(params: TensorMap, inputs: tf.Tensor3D): tf.Tensor3D {
          const where = `${name}.logits`;
          return tf.tidy(() => {
            const [B, Ti, V] = inputs.shape;
            if (V !== vocab || Ti !== T) {
              throw new L2oError(
                'SHAPE_MISMATCH',
                `${where}: inputs must be [batch, ${T}, ${vocab}], got [${inputs.shape}]`,
              );
            }
            const p = (n: string): tf.Tensor2D => param(params, n, where) as tf.Tensor2D;
            const tokens = tf.matMul(tf.reshape(inputs, [B * T, V]), p('embed/tokens'));
            const e = tf.add(tf.reshape(tokens, [B, T, D]), p('embed/positions')); // [B, T, D]
            const flat = tf.reshape(e, [B * T, D]) as tf.Tensor2D;
            const proj = (w: string): tf.Tensor3D => tf.reshape(tf.matMul(flat, p(w)), [B, T, D]);
            const q = proj('attn/wq');
            const k = proj('attn/wk');
            const v = proj('attn/wv');
            const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), scale), tf.tensor2d(maskValues, [T, T]));
            const attended = tf.matMul(tf.softmax(scores), v); // [B, T, D]
            const mixed = tf.matMul(tf.reshape(attended, [B * T, D]), p('attn/wo'));
            const h = tf.add(flat, mixed) as tf.Tensor2D;
            const out = tf.add(tf.matMul(h, p('out/w')), param(params, 'out/b', where));
            return tf.reshape(out, [B, T, vocab]) as tf.Tensor3D;
          });
        },
      };
    },
  };
}
