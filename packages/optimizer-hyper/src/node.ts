/**
 * `@l2o/optimizer-hyper/node`: saving and loading artifact folders on disk (`saveHyperOptimizer`,
 * `loadHyperOptimizer`). Everything else is in `@l2o/optimizer-hyper`, which imports no Node built-in.
 */
export { saveHyperOptimizer, loadHyperOptimizer } from './node/save-load.js';
