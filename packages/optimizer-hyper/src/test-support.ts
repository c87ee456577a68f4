/**
 * Test-only helpers (not exported from the package): φ of a controller that ignores its inputs, and the three
 * implementations of a step (tfjs ops, wasm kernels, JS loops) as optimizers, so tests can run them side by side.
 */
import * as tf from '@tensorflow/tfjs';
import { type Optimizer, Rng, type TensorMap } from '@l2o/core';
import { resolveHyperConfig, type HyperConfig } from './config.js';
import { FEATURE_COUNT, OUTPUT_COUNT } from './features.js';
import { hyperOptimizer } from './hyper-optimizer.js';
import type { HyperState } from './hyper-state.js';
import { hyperStepFast } from './hyper-step-fast.js';
import { readHyperWeights } from './hyper-weights.js';

/** φ whose controller ignores its inputs (w2 = wl = 0) and always outputs `b2`, starting at learning rate `lr`. */
export function constantPhi(hidden: number, b2: number[], lr: number): TensorMap {
  const phi = hyperOptimizer({ hidden }).initMetaParams(Rng.seeded(1));
  tf.dispose([phi['w2']!, phi['wl']!, phi['b2']!, phi['logLr0']!]);
  return {
    ...phi,
    w2: tf.zeros([hidden, OUTPUT_COUNT]),
    wl: tf.zeros([FEATURE_COUNT, OUTPUT_COUNT]),
    b2: tf.tensor1d(b2),
    logLr0: tf.scalar(Math.log(lr)),
  };
}

/** The same optimizer on its three paths: the differentiable tfjs ops, the wasm kernels and the plain JS loops. */
export function stepPaths(config: Partial<HyperConfig>, phi: TensorMap): [string, Optimizer<HyperState>][] {
  const cfg = resolveHyperConfig(config);
  const learned = hyperOptimizer(cfg);
  const w = readHyperWeights(phi, cfg.hidden);
  const base = learned.withMetaParams(phi);
  return [
    ['tfjs ops', base],
    ['wasm kernels', learned.inferenceOptimizer!(phi)],
    ['JS loops', { ...base, update: (g, s, p) => hyperStepFast(cfg, w, g, s, p) }],
  ];
}
