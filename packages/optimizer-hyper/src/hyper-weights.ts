import type { TensorMap } from '@l2o/core';

/** φ read out of its tensors once, for the fast paths. */
export type HyperWeights = {
  readonly hidden: number;
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  readonly wl: Float32Array;
  readonly logLr0: number;
};

export function readHyperWeights(phi: TensorMap, hidden: number): HyperWeights {
  return {
    hidden,
    w1: phi['w1']!.dataSync() as Float32Array,
    b1: phi['b1']!.dataSync() as Float32Array,
    w2: phi['w2']!.dataSync() as Float32Array,
    b2: phi['b2']!.dataSync() as Float32Array,
    wl: phi['wl']!.dataSync() as Float32Array,
    logLr0: phi['logLr0']!.dataSync()[0]!,
  };
}
