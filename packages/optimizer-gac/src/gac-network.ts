import * as tf from '@tensorflow/tfjs';
import type { TensorMap } from '@l2o/core';
import type { LstmState } from '@l2o/optimizer-lstm';
import { lstmCell, lstmParamNames, OUTPUT_B, OUTPUT_W } from '@l2o/optimizer-lstm/extend';
import type { GacConfig } from './config.js';
import { globalAverage } from './global-averaging.js';

/** Per-coordinate recurrent state, as in the LSTM optimizer; the global columns of h hold the averages. */
export type GacState = LstmState;

/**
 * The stacked LSTM+GAC layers on inputs [N, D] (any D matching φ's `layer0/wx`): in every layer l, one
 * `lstmCell` step, then the first `globalCells[l]` columns of the new h are replaced by their average over the
 * coordinates of each group of `segments` (see `globalAverage`). The averaged h feeds the next layer and is
 * the h carried to the next step; c is not averaged. Returns the top layer's h [N, H_last] and the next state.
 * Reads only the `layer{l}/…` entries of φ. Differentiable; pure; the caller owns the outputs.
 */
export function gacLayers(
  phi: TensorMap,
  config: Pick<GacConfig, 'hiddenSizes' | 'globalCells'>,
  input: tf.Tensor2D,
  state: GacState,
  segments?: readonly number[],
): { top: tf.Tensor2D; state: GacState } {
  return tf.tidy(() => {
    let x = input;
    const h: tf.Tensor2D[] = [];
    const c: tf.Tensor2D[] = [];
    config.hiddenSizes.forEach((_, l) => {
      const n = lstmParamNames(l);
      const next = lstmCell(
        x,
        state.h[l]!,
        state.c[l]!,
        phi[n.wx] as tf.Tensor2D,
        phi[n.wh] as tf.Tensor2D,
        phi[n.b] as tf.Tensor1D,
      );
      const hOut = globalAverage(next.h, config.globalCells[l]!, segments);
      h.push(hOut);
      c.push(next.c);
      x = hOut;
    });
    return { top: x, state: { h, c } };
  });
}

/**
 * The whole LSTM+GAC network on preprocessed inputs: {@link gacLayers}, then the linear output layer
 * (`output/w`, `output/b`) times `outputScale` → the update per coordinate [N]. Pure; the caller owns the outputs.
 */
export function gacStep(
  phi: TensorMap,
  config: GacConfig,
  input: tf.Tensor2D,
  state: GacState,
  segments?: readonly number[],
): { output: tf.Tensor1D; state: GacState } {
  return tf.tidy(() => {
    const { top, state: next } = gacLayers(phi, config, input, state, segments);
    const y = tf.add(tf.matMul(top, phi[OUTPUT_W] as tf.Tensor2D), phi[OUTPUT_B]!);
    const output = tf.reshape(tf.mul(y, config.outputScale), [input.shape[0]]) as tf.Tensor1D;
    return { output, state: next };
  });
}
