export type {
  TensorMap,
  BatchData,
  Optimizee,
  OptimizeeFamily,
  Optimizer,
  OptimizerStep,
  LearnedOptimizer,
  JsonValue,
  JsonObject,
} from './types.js';
export { Rng } from './rng.js';
export {
  orderedKeys,
  addMaps,
  dotMaps,
  mapSize,
  flattenMap,
  unflattenLike,
  disposeMap,
  cloneMap,
  disposeBatch,
  assertSameKeys,
} from './tensor-map.js';
export { lossAndGrad } from './loss-and-grad.js';
export { initEngine, engineInfo, parseBackend, BACKENDS } from './engine/engine.js';
export type { BackendName, EngineInfo } from './engine/engine.js';
