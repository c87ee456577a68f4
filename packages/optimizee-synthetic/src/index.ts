export { testFunctionFamily, resolveTestFunctionOptions, TestFunctionProblem } from './test-function.js';
export type {
  TestFunctionOptions,
  ResolvedTestFunctionOptions,
  TestFunctionSpec,
  TestFunctionFamily,
} from './test-function.js';
export { rosenbrockFamily, ROSENBROCK } from './rosenbrock.js';
export { rastriginFamily, RASTRIGIN } from './rastrigin.js';
export {
  styblinskiTangFamily,
  STYBLINSKI_TANG,
  STYBLINSKI_TANG_ARGMIN,
  STYBLINSKI_TANG_TERM_MIN,
} from './styblinski-tang.js';
