import * as tf from '@tensorflow/tfjs';

/** Mean softmax cross-entropy of `logits` [B, C] against one-hot `labels` [B, C]. Differentiable in the logits. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    return tf.neg(tf.div(tf.sum(tf.mul(labels, logp)), logits.shape[0])) as tf.Scalar;
  });
}

/** Fraction of rows whose arg-max logit is the labelled class (one-hot `labels`); not differentiable. */
export function classificationAccuracy(logits: tf.Tensor2D, labels: tf.Tensor2D): number {
  const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(labels, 1)), 'float32')));
  const v = acc.dataSync()[0]!;
  acc.dispose();
  return v;
}
