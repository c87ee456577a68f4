import * as tf from '@tensorflow/tfjs';
import { L2oError, type Rng, type TensorMap } from '@l2o/core';
import { lstmInputSize, type LstmConfig } from './config.js';

/**
 * Names of the meta-parameters φ of layer `l` (0-based) and of the output layer:
 *   `layer{l}/wx` [D_l, 4H_l]  input weights   (D_0 = 2 or 1 inputs, D_l = H_{l-1})
 *   `layer{l}/wh` [H_l, 4H_l]  recurrent weights
 *   `layer{l}/b`  [4H_l]       bias, gate order (input, forget, cell, output)
 *   `output/w`    [H_last, 1], `output/b` [1]
 */
export function lstmParamNames(layer: number): { wx: string; wh: string; b: string } {
  return { wx: `layer${layer}/wx`, wh: `layer${layer}/wh`, b: `layer${layer}/b` };
}
export const OUTPUT_W = 'output/w';
export const OUTPUT_B = 'output/b';

/** The shape of every meta-parameter for `config`, in creation order. */
export function lstmMetaParamShapes(config: LstmConfig): Record<string, number[]> {
  const shapes: Record<string, number[]> = {};
  let d = lstmInputSize(config);
  config.hiddenSizes.forEach((h, l) => {
    const n = lstmParamNames(l);
    shapes[n.wx] = [d, 4 * h];
    shapes[n.wh] = [h, 4 * h];
    shapes[n.b] = [4 * h];
    d = h;
  });
  shapes[OUTPUT_W] = [d, 1];
  shapes[OUTPUT_B] = [1];
  return shapes;
}

/** Number of scalar meta-parameters. */
export function lstmMetaParamCount(config: LstmConfig): number {
  return Object.values(lstmMetaParamShapes(config)).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0);
}

/**
 * Fresh φ, deterministic from `rng`: weight matrices Glorot-uniform, U(±initScale·√(6 / (fan_in + fan_out))),
 * drawn in the order layer0/wx, layer0/wh, layer1/wx, …, output/w; biases zero except the forget-gate block
 * (columns [H, 2H)) of every layer, which is `forgetBias`. The caller owns the returned tensors.
 */
export function initLstmMetaParams(config: LstmConfig, rng: Rng): TensorMap {
  const shapes = lstmMetaParamShapes(config);
  const out: Record<string, tf.Tensor> = {};
  const glorot = (shape: number[]): tf.Tensor => {
    const [fanIn, fanOut] = shape as [number, number];
    const limit = config.initScale * Math.sqrt(6 / (fanIn + fanOut));
    return tf.tensor(rng.uniformArray(fanIn * fanOut, -limit, limit), shape, 'float32');
  };
  config.hiddenSizes.forEach((h, l) => {
    const n = lstmParamNames(l);
    out[n.wx] = glorot(shapes[n.wx]!);
    out[n.wh] = glorot(shapes[n.wh]!);
    const b = new Float32Array(4 * h);
    b.fill(config.forgetBias, h, 2 * h);
    out[n.b] = tf.tensor(b, [4 * h], 'float32');
  });
  out[OUTPUT_W] = glorot(shapes[OUTPUT_W]!);
  out[OUTPUT_B] = tf.zeros([1], 'float32');
  return out;
}

/**
 * Throws unless `phi` has exactly the tensors of `shapes` (names, shapes, dtype float32). Shared by every
 * learned optimizer built on this one; `context` is appended to the "expected exactly" message.
 */
export function checkMetaParamShapes(
  phi: TensorMap,
  shapes: Readonly<Record<string, readonly number[]>>,
  where: string,
  context = '',
): void {
  const want = Object.keys(shapes).sort();
  const missing = want.filter((k) => !(k in phi));
  const extra = Object.keys(phi)
    .filter((k) => !(k in shapes))
    .sort();
  if (missing.length > 0 || extra.length > 0) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${where}: expected exactly [${want.join(', ')}]${context}` +
        (missing.length > 0 ? `; missing [${missing.join(', ')}]` : '') +
        (extra.length > 0 ? `; unexpected [${extra.join(', ')}]` : ''),
    );
  }
  for (const k of want) {
    const t = phi[k]!;
    const s = shapes[k]!;
    if (t.shape.length !== s.length || t.shape.some((d, i) => d !== s[i])) {
      throw new L2oError(
        'SHAPE_MISMATCH',
        `${where}: "${k}" has shape [${t.shape.join(', ')}]; expected [${s.join(', ')}]`,
      );
    }
    if (t.dtype !== 'float32')
      throw new L2oError('SHAPE_MISMATCH', `${where}: "${k}" has dtype ${t.dtype}; expected float32`);
  }
}

/** Throws unless `phi` has exactly the meta-parameters of `config`, with the right shapes and dtype float32. */
export function checkLstmMetaParams(phi: TensorMap, config: LstmConfig, where = 'lstm meta-parameters'): void {
  checkMetaParamShapes(phi, lstmMetaParamShapes(config), where, ` for hiddenSizes [${config.hiddenSizes.join(', ')}]`);
}
