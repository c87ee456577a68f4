/**
 * `@l2o/optimizer-gac/node`: saving and loading artifact folders on disk (`saveGacOptimizer`, `loadGacOptimizer`). Everything else is in
 * `@l2o/optimizer-gac`, which imports no Node built-in.
 */
export { saveGacOptimizer, loadGacOptimizer } from './node/save-load.js';
