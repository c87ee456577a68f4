import type { LearnedOptimizer, Optimizer, Rng, TensorMap } from '@l2o/core';
import type { InitContext } from '@l2o/core/extend';
import { HYPER_KIND, resolveHyperConfig, type HyperConfig } from './config.js';
import { hyperStep } from './hyper-step.js';
import { hyperStepFast } from './hyper-step-fast.js';
import { hyperStepNative } from './hyper-step-native.js';
import { readHyperWeights } from './hyper-weights.js';
import { hyperKernelsAvailable } from './native/hyper-kernels.js';
import { initialHyperState, type HyperState } from './hyper-state.js';
import { checkHyperMetaParams, initHyperMetaParams } from './meta-params.js';

/**
 * Inference on tfjs-backend-wasm runs l2o's WebAssembly SIMD kernels at any size. On other backends, models up to
 * this many parameters take the plain-JS path (a few dozen tfjs ops per tensor cost more than the loops there);
 * larger ones the tfjs path, whose elementwise work runs in the backend's own kernels (GPU, libtensorflow). All
 * give the same updates within float32 rounding.
 */
export const JS_PATH_MAX_PARAMETERS = 65_536;

function totalSize(params: TensorMap): number {
  let n = 0;
  for (const k in params) n += params[k]!.size;
  return n;
}

/**
 * The hyper optimizer: per parameter, Adam-family directions (g/√v̂, m̂/√v̂, m̂₂/√v̂); per parameter tensor, a
 * learned controller that mixes them and adapts the tensor's own learning rate from what it sees (gradient
 * agreement, signal-to-noise, spikes, the step's size relative to the weights, progress through the run).
 * State: 12 bytes per parameter plus a few numbers per tensor. `withMetaParams` is differentiable in φ;
 * `inferenceOptimizer` is the fast path with the same updates: WebAssembly SIMD kernels on the wasm backend, else
 * plain loops over the parameters for models up to {@link JS_PATH_MAX_PARAMETERS} parameters and the tfjs ops
 * (without a tape) above.
 */
export function hyperOptimizer(config: Partial<HyperConfig> = {}): LearnedOptimizer<HyperState, HyperConfig> {
  const cfg = resolveHyperConfig(config);
  const name = `${HYPER_KIND}(h=${cfg.hidden})`;
  const make = (phi: TensorMap, fast: boolean): Optimizer<HyperState> => {
    checkHyperMetaParams(phi, cfg, `${name}.withMetaParams`);
    const weights = fast ? readHyperWeights(phi, cfg.hidden) : undefined;
    return {
      name,
      init: (params: TensorMap, context?: InitContext) => initialHyperState(params, context),
      update: (grads, state, params) => {
        if (!weights) return hyperStep(cfg, phi, grads, state, params);
        if (hyperKernelsAvailable()) return hyperStepNative(cfg, weights, grads, state, params);
        return totalSize(params) <= JS_PATH_MAX_PARAMETERS
          ? hyperStepFast(cfg, weights, grads, state, params)
          : hyperStep(cfg, phi, grads, state, params);
      },
    };
  };
  return {
    name,
    kind: HYPER_KIND,
    config: cfg,
    initMetaParams: (rng: Rng) => initHyperMetaParams(cfg, rng),
    withMetaParams: (phi) => make(phi, false),
    inferenceOptimizer: (phi) => make(phi, true),
  };
}
