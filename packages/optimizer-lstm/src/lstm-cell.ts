import * as tf from '@tensorflow/tfjs';

/**
 * One step of a standard LSTM layer for a batch of rows (every row is one optimizee coordinate).
 *
 *   z = x·Wx + h·Wh + b                 x [N, D], h [N, H], Wx [D, 4H], Wh [H, 4H], b [4H]
 *   [zi | zf | zg | zo] = z             gate order: input, forget, cell candidate, output (H columns each)
 *   c' = σ(zf) ⊙ c + σ(zi) ⊙ tanh(zg)
 *   h' = σ(zo) ⊙ tanh(c')
 *
 * Separate input and recurrent matrices (rather than one [D + H, 4H] matrix on concat(x, h)) so that no concat
 * of [x, h] is needed on the hot path (Concat is slow on tfjs wasm), and neither matMul uses a transpose flag.
 * Differentiable in every input; pure (disposes nothing it was given).
 */
export function lstmCell(
  x: tf.Tensor2D,
  h: tf.Tensor2D,
  c: tf.Tensor2D,
  wx: tf.Tensor2D,
  wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { h: tf.Tensor2D; c: tf.Tensor2D } {
  return tf.tidy(() => {
    const z = tf.add(tf.add(tf.matMul(x, wx), tf.matMul(h, wh)), b) as tf.Tensor2D;
    const [zi, zf, zg, zo] = tf.split(z, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    const cNext = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg))) as tf.Tensor2D;
    const hNext = tf.mul(tf.sigmoid(zo), tf.tanh(cNext)) as tf.Tensor2D;
    return { h: hNext, c: cNext };
  });
}
