/**
 * `@l2o/optimizer-ntm-bfgs/node`: saving and loading artifact folders on disk (`saveNtmBfgsOptimizer`, `loadNtmBfgsOptimizer`). Everything else is in
 * `@l2o/optimizer-ntm-bfgs`, which imports no Node built-in.
 */
export { saveNtmBfgsOptimizer, loadNtmBfgsOptimizer } from './node/save-load.js';
