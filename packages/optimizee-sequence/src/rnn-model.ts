import * as tf from '@tensorflow/tfjs';
import { L2oError, type Rng, type TensorMap } from '@l2o/core';
import { param, type SequenceModel, type SequenceModelSpec } from './sequence-model.js';
import { checkKnown, intOption } from './sequence-task.js';

export interface RnnModelOptions {
  /** Hidden units H. Default 32. */
  readonly hidden?: number;
}

/**
 * An Elman recurrent network: h_t = tanh(x_t W_x + h_{t−1} W_h + b), h_{−1} = 0, logits_t = h_t W_o + b_o, trained
 * by backpropagation through all T steps. Parameters `rnn/wx` [V, H] ~ N(0, 1), `rnn/wh` [H, H] ~ N(0, 1/H)
 * (spectral radius ≈ 1), `rnn/b` [H] = 0, `out/w` [H, V] ~ N(0, 1/H), `out/b` [V] = 0.
 */
export function rnnModel(options: RnnModelOptions = {}): SequenceModelSpec {
  checkKnown(options, ['hidden'], 'rnnModel');
  const hidden = intOption(options.hidden, 32, 1, 'rnnModel', 'hidden');
  const name = `rnn-h${hidden}`;
  return {
    name,
    build(vocab: number, length: number): SequenceModel {
      const H = hidden;
      return {
        name,
        size: vocab * H + H * H + H + H * vocab + vocab,
        init(rng: Rng): TensorMap {
          return {
            'rnn/wx': tf.tensor2d(rng.normalArray(vocab * H), [vocab, H]),
            'rnn/wh': tf.tensor2d(rng.normalArray(H * H, 0, 1 / Math.sqrt(H)), [H, H]),
            'rnn/b': tf.zeros([H]),
            'out/w': tf.tensor2d(rng.normalArray(H * vocab, 0, 1 / Math.sqrt(H)), [H, vocab]),
            'out/b': tf.zeros([vocab]),
          };
        },
        logits(params: TensorMap, inputs: tf.Tensor3D): tf.Tensor3D {
          const where = `${name}.logits`;
          return tf.tidy(() => {
            const [B, T, V] = inputs.shape;
            if (V !== vocab || T !== length) {
              throw new L2oError(
                'SHAPE_MISMATCH',
                `${where}: inputs must be [batch, ${length}, ${vocab}], got [${inputs.shape}]`,
              );
            }
            const wx = param(params, 'rnn/wx', where) as tf.Tensor2D;
            const wh = param(params, 'rnn/wh', where) as tf.Tensor2D;
            const b = param(params, 'rnn/b', where);
            const xw = tf.reshape(tf.add(tf.matMul(tf.reshape(inputs, [B * T, V]), wx), b), [B, T, H]);
            const steps = tf.unstack(xw, 1) as tf.Tensor2D[];
            let h: tf.Tensor2D | undefined;
            const hs: tf.Tensor2D[] = [];
            for (const x of steps) {
              h = tf.tanh(h ? tf.add(x, tf.matMul(h, wh)) : x) as tf.Tensor2D;
              hs.push(h);
            }
            const all = tf.reshape(tf.stack(hs, 1), [B * T, H]) as tf.Tensor2D;
            const out = tf.add(
              tf.matMul(all, param(params, 'out/w', where) as tf.Tensor2D),
              param(params, 'out/b', where),
            );
            return tf.reshape(out, [B, T, vocab]) as tf.Tensor3D;
          });
        },
      };
    },
  };
}
