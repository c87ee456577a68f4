import * as tf from '@tensorflow/tfjs';
import {
  type TestFunctionFamily,
  type TestFunctionOptions,
  type TestFunctionSpec,
  testFunctionFamily,
} from './test-function.js';

/**
 * The N-dimensional Rosenbrock function, f(x) = Σ_{i<d} 100 (x_{i+1} − x_i²)² + (1 − x_i)²: a curved, narrow
 * valley; minimum 0 at x = (1, …, 1) (for d ≥ 4 there is also a local minimum near x₁ = −1). Starts in [−2, 2]^d.
 */
export const ROSENBROCK: TestFunctionSpec = {
  name: 'rosenbrock',
  defaultDim: 10,
  minDim: 2,
  defaultInitRange: [-2, 2],
  value: (x) =>
    tf.tidy(() => {
      const d = x.shape[1];
      const head = tf.slice(x, [0, 0], [-1, d - 1]);
      const tail = tf.slice(x, [0, 1], [-1, d - 1]);
      const valley = tf.mul(tf.square(tf.sub(tail, tf.square(head))), 100);
      return tf.sum(tf.add(valley, tf.square(tf.sub(1, head))), 1) as tf.Tensor1D;
    }),
};

/** Rosenbrock problems (default d = 10, one function per problem, starts U[−2, 2]^d). */
export function rosenbrockFamily(options: TestFunctionOptions = {}): TestFunctionFamily {
  return testFunctionFamily(ROSENBROCK, options);
}
