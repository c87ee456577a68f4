import * as tf from '@tensorflow/tfjs';
import type { Rng, TensorMap } from '@l2o/core';
import { checkMetaParamShapes, lstmInputSize, lstmParamNames } from '@l2o/optimizer-lstm/extend';
import type { NtmBfgsConfig } from './config.js';

/** Head projection of the controller: `heads/w` [H_last, R + 2W], `heads/b` [R + 2W]; columns r_0…r_{R−1}, a_0…a_{W−1}, b_0…b_{W−1}. */
export const HEADS_W = 'heads/w';
export const HEADS_B = 'heads/b';

/** Controller input width: the preprocessed gradient (2 or 1 columns) plus the R reads fed back. */
export function controllerInputSize(config: NtmBfgsConfig): number {
  return lstmInputSize(config) + config.readHeads;
}

/** Number of head outputs per coordinate: R read keys, W write vectors a, W write vectors b. */
export function headCount(config: Pick<NtmBfgsConfig, 'readHeads' | 'writeHeads'>): number {
  return config.readHeads + 2 * config.writeHeads;
}

/**
 * Shapes of φ: the LSTM+GAC layers (`layer{l}/wx` [D_l, 4H_l], `layer{l}/wh`, `layer{l}/b`, with
 * D_0 = controllerInputSize) and the head projection.
 */
export function ntmBfgsMetaParamShapes(config: NtmBfgsConfig): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  let d = controllerInputSize(config);
  config.hiddenSizes.forEach((h, l) => {
    const n = lstmParamNames(l);
    shapes[n.wx] = [d, 4 * h];
    shapes[n.wh] = [h, 4 * h];
    shapes[n.b] = [4 * h];
    d = h;
  });
  shapes[HEADS_W] = [d, headCount(config)];
  shapes[HEADS_B] = [headCount(config)];
  return shapes;
}

/**
 * Fresh φ from `rng`, initialised like the LSTM optimizer: weight matrices Glorot-uniform × initScale (drawn in
 * the order of {@link ntmBfgsMetaParamShapes}), biases zero except the forget-gate blocks (`forgetBias`).
 */
export function initNtmBfgsMetaParams(config: NtmBfgsConfig, rng: Rng): TensorMap {
  const shapes = ntmBfgsMetaParamShapes(config);
  const out: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(shapes)) {
    if (shape.length === 2) {
      const [fanIn, fanOut] = shape as [number, number];
      const limit = config.initScale * Math.sqrt(6 / (fanIn + fanOut));
      out[name] = tf.tensor(rng.uniformArray(fanIn * fanOut, -limit, limit), shape, 'float32');
    } else {
      const b = new Float32Array(shape[0]!);
      const l = config.hiddenSizes.findIndex((_, i) => lstmParamNames(i).b === name);
      if (l >= 0) b.fill(config.forgetBias, config.hiddenSizes[l]!, 2 * config.hiddenSizes[l]!);
      out[name] = tf.tensor(b, shape, 'float32');
    }
  }
  return out;
}

/** Throws unless `phi` has exactly the meta-parameters of `config`, with the right shapes and dtype float32. */
export function checkNtmBfgsMetaParams(
  phi: TensorMap,
  config: NtmBfgsConfig,
  where = 'ntm-bfgs meta-parameters',
): void {
  checkMetaParamShapes(phi, ntmBfgsMetaParamShapes(config), where);
}
