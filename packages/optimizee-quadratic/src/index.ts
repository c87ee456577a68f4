export { quadraticFamily, resolveQuadraticOptions, QuadraticProblem, QUADRATIC_SAMPLINGS } from './quadratic-family.js';
export type { QuadraticOptions, ResolvedQuadraticOptions, QuadraticSampling } from './quadratic-family.js';
