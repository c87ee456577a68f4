import * as tf from '@tensorflow/tfjs';
import {
  type TestFunctionFamily,
  type TestFunctionOptions,
  type TestFunctionSpec,
  testFunctionFamily,
} from './test-function.js';

/**
 * The Rastrigin function, f(x) = 10 d + Σ x_i² − 10 cos(2π x_i): a bowl covered with a lattice of local minima
 * (one near every integer point); global minimum 0 at x = 0. Starts in [−5.12, 5.12]^d.
 */
export const RASTRIGIN: TestFunctionSpec = {
  name: 'rastrigin',
  defaultDim: 10,
  minDim: 1,
  defaultInitRange: [-5.12, 5.12],
  value: (x) =>
    tf.tidy(() => {
      const d = x.shape[1];
      const terms = tf.sub(tf.square(x), tf.mul(tf.cos(tf.mul(x, 2 * Math.PI)), 10));
      return tf.add(tf.sum(terms, 1), 10 * d) as tf.Tensor1D;
    }),
};

/** Rastrigin problems (default d = 10, one function per problem, starts U[−5.12, 5.12]^d). */
export function rastriginFamily(options: TestFunctionOptions = {}): TestFunctionFamily {
  return testFunctionFamily(RASTRIGIN, options);
}
