import * as tf from '@tensorflow/tfjs';
import {
  type TestFunctionFamily,
  type TestFunctionOptions,
  type TestFunctionSpec,
  testFunctionFamily,
} from './test-function.js';

/** g(t) = ½ (t⁴ − 16 t² + 5 t), the one-dimensional Styblinski–Tang term. */
function term(t: number): number {
  return 0.5 * (t ** 4 - 16 * t * t + 5 * t);
}

/** The minimizer of g: the root of g'(t) = 2t³ − 16t + 2.5 near −2.9035 (Newton's method, to double precision). */
export const STYBLINSKI_TANG_ARGMIN: number = (() => {
  let t = -2.9;
  for (let i = 0; i < 50; i++) t -= (2 * t ** 3 - 16 * t + 2.5) / (6 * t * t - 16);
  return t;
})();

/** The minimum of g (≈ −39.16617), subtracted per coordinate so that f's global minimum is 0. */
export const STYBLINSKI_TANG_TERM_MIN: number = term(STYBLINSKI_TANG_ARGMIN);

/**
 * The Styblinski–Tang function shifted to a minimum of 0: f(x) = Σ ½ (x_i⁴ − 16 x_i² + 5 x_i) − g_min, with
 * 2^d local minima at x_i ∈ {≈ −2.904, ≈ 2.747}; the global one at x_i ≈ −2.904 for all i. Starts in [−5, 5]^d.
 */
export const STYBLINSKI_TANG: TestFunctionSpec = {
  name: 'styblinski-tang',
  defaultDim: 10,
  minDim: 1,
  defaultInitRange: [-5, 5],
  value: (x) =>
    tf.tidy(() => {
      const x2 = tf.square(x);
      const terms = tf.mul(tf.add(tf.sub(tf.square(x2), tf.mul(x2, 16)), tf.mul(x, 5)), 0.5);
      return tf.sub(tf.sum(terms, 1), STYBLINSKI_TANG_TERM_MIN * x.shape[1]) as tf.Tensor1D;
    }),
};

/** Styblinski–Tang problems (default d = 10, one function per problem, starts U[−5, 5]^d). */
export function styblinskiTangFamily(options: TestFunctionOptions = {}): TestFunctionFamily {
  return testFunctionFamily(STYBLINSKI_TANG, options);
}
