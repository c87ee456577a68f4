import * as tf from '@tensorflow/tfjs';
import type { LstmConfig } from './config.js';
import { L2oError } from '@l2o/core';

/**
 * The network inputs for a flat vector of gradient coordinates g ([N]) → [N, d_in].
 *
 * 'log-sign' (the paper, §3.2 / appendix A), d_in = 2:
 *   |g| ≥ e^{-p}:  (log|g| / p,  sign g)
 *   |g| <  e^{-p}: (−1,          e^{p} g)
 * Both columns are continuous at |g| = e^{-p} and lie in [−1, 1] for small gradients. g = 0 gives (−1, 0).
 * The log is taken of max(|g|, e^{-p}), so no branch ever evaluates log 0: the forward never yields NaN or
 * ±Infinity for finite g, and the (unused) gradients of `where` stay finite.
 *
 * 'none', d_in = 1: the raw gradient as one column.
 *
 * 'log-sign-moments' is stateful (see `momentInputs`); its first two columns are this function's 'log-sign'.
 */
export function preprocessGradients(g: tf.Tensor1D, config: Pick<LstmConfig, 'preprocessing' | 'p'>): tf.Tensor2D {
  return tf.tidy(() => {
    const n = g.shape[0];
    if (config.preprocessing === 'none') return tf.reshape(g, [n, 1]) as tf.Tensor2D;
    if (config.preprocessing !== 'log-sign') {
      throw new L2oError(
        'UNSUPPORTED',
        `preprocessGradients: preprocessing '${config.preprocessing}' keeps running statistics in the optimizer state; ` +
          `use momentInputs (stateless modes: 'log-sign', 'none')`,
      );
    }
    const p = config.p;
    const threshold = Math.exp(-p);
    const abs = tf.abs(g);
    const big = tf.greaterEqual(abs, threshold);
    const logPart = tf.where(big, tf.div(tf.log(tf.maximum(abs, threshold)), p), tf.fill([n], -1));
    const signPart = tf.where(big, tf.sign(g), tf.mul(g, Math.exp(p)));
    return tf.stack([logPart, signPart], 1) as tf.Tensor2D;
  });
}
