import * as tf from '@tensorflow/tfjs';
import { L2oError, type Rng, type TensorMap } from '@l2o/core';
import type { HyperConfig } from './config.js';
import { FEATURE_COUNT, OUTPUT_COUNT, SCHEDULE_MIN, SCHEDULE_SPAN } from './features.js';

/** Names and shapes of φ for a config: the controller MLP and the base log learning rate. */
export function hyperMetaParamShapes(config: HyperConfig): Record<string, number[]> {
  return {
    b1: [config.hidden],
    b2: [OUTPUT_COUNT],
    logLr0: [],
    w1: [FEATURE_COUNT, config.hidden],
    w2: [config.hidden, OUTPUT_COUNT],
    wl: [FEATURE_COUNT, OUTPUT_COUNT],
  };
}

/**
 * The output bias of a fresh controller: no change of the learning rate, schedule factor 1 (s = 0), and the
 * directions mixed 11% / 78% / 11%, i.e. close to Adam.
 */
export function initialOutputBias(): number[] {
  // s = SCHEDULE_MIN + SCHEDULE_SPAN·sigmoid(o) = 0  ⇔  sigmoid(o) = −SCHEDULE_MIN / SCHEDULE_SPAN.
  const p = -SCHEDULE_MIN / SCHEDULE_SPAN;
  return [0, Math.log(p / (1 - p)), 0, 2, 0];
}

/**
 * The linear (skip) part of a fresh controller: Δδ = 0.2·tanh(HYPERGRADIENT_GAIN·e₁), where e₁ is the recent
 * average of cos(g, m₋) — a hypergradient-style rule (longer steps while successive gradients agree, shorter
 * once they oppose) that meta-training then refines.
 */
export const HYPERGRADIENT_GAIN = 3;

/**
 * Fresh φ: w1 ~ N(0, 2/F) (He, for the ReLU layer), w2 ~ N(0, 0.01²), the skip weights `wl` zero but for the
 * hypergradient rule ({@link HYPERGRADIENT_GAIN}), biases as {@link initialOutputBias}: Adam at `initialLr` whose
 * learning rate follows the agreement of successive gradients.
 */
export function initHyperMetaParams(config: HyperConfig, rng: Rng): TensorMap {
  const h = config.hidden;
  return {
    b1: tf.zeros([h]),
    b2: tf.tensor1d(initialOutputBias()),
    logLr0: tf.scalar(Math.log(config.initialLr)),
    w1: tf.tensor2d(rng.normalArray(FEATURE_COUNT * h, 0, Math.sqrt(2 / FEATURE_COUNT)), [FEATURE_COUNT, h]),
    w2: tf.tensor2d(rng.normalArray(h * OUTPUT_COUNT, 0, 0.01), [h, OUTPUT_COUNT]),
    wl: tf.tensor2d(initialSkipWeights(), [FEATURE_COUNT, OUTPUT_COUNT]),
  };
}

function initialSkipWeights(): Float32Array {
  const w = new Float32Array(FEATURE_COUNT * OUTPUT_COUNT);
  // Row 1 is feature 'cos-ema-fast', column 0 the output Δδ.
  w[1 * OUTPUT_COUNT + 0] = HYPERGRADIENT_GAIN;
  return w;
}

/** Throws unless φ has exactly the names and shapes of `config`'s architecture. */
export function checkHyperMetaParams(phi: TensorMap, config: HyperConfig, where: string): void {
  const shapes = hyperMetaParamShapes(config);
  const want = Object.keys(shapes).sort();
  const got = Object.keys(phi).sort();
  if (want.join(',') !== got.join(',')) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${where}: meta-parameters must be exactly ${want.join(', ')}; got ${got.join(', ') || 'none'}`,
    );
  }
  for (const k of want) {
    const s = phi[k]!.shape;
    if (s.join(',') !== shapes[k]!.join(',')) {
      throw new L2oError(
        'SHAPE_MISMATCH',
        `${where}: meta-parameter "${k}" must have shape [${shapes[k]!.join(', ')}]; got [${s.join(', ')}]`,
      );
    }
  }
}
