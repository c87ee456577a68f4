export { quadraticFamily, resolveQuadraticOptions, QuadraticProblem, QUADRATIC_SAMPLINGS } from './quadratic-family.js';
export type {
  QuadraticOptions,
  ResolvedQuadraticOptions,
  QuadraticSampling,
  QuadraticFamily,
} from './quadratic-family.js';
