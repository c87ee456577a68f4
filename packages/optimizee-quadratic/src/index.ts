export { quadraticFamily, resolveQuadraticOptions, QuadraticProblem, QUADRATIC_SAMPLINGS } from './quadratic-family.js';
export type {
  QuadraticOptions,
  ResolvedQuadraticOptions,
  QuadraticSampling,
  QuadraticFamily,
} from './quadratic-family.js';
export {
  conditionedQuadraticFamily,
  ConditionedQuadraticProblem,
  resolveConditionedQuadraticOptions,
  conditionedSpectrum,
  kroneckerFactors,
} from './conditioned-quadratic-family.js';
export type {
  ConditionedQuadraticOptions,
  ResolvedConditionedQuadraticOptions,
  ConditionedQuadraticFamily,
} from './conditioned-quadratic-family.js';
export { haarOrthogonal } from './haar-orthogonal.js';
