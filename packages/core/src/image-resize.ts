import { L2oError } from './l2o-error.js';
/** The geometry of a batch of images stored NHWC (row-major, channels last) in one Float32Array. */
export interface ImageGeometry {
  readonly count: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface ResizeImagesOptions {
  /** Output height and width (positive integers, at most the input's: this shrinks, it does not enlarge). */
  readonly height: number;
  readonly width: number;
  /**
   * Convert to one grey channel with the ITU-R BT.601 luma weights (0.2989 R + 0.5870 G + 0.1140 B, as
   * TensorFlow's `rgb_to_grayscale`). Needs 3 input channels (a 1-channel input is already grey). Default false.
   */
  readonly grey?: boolean;
}

/** BT.601 luma weights of R, G and B. */
export const LUMA_WEIGHTS: readonly [number, number, number] = [0.2989, 0.587, 0.114];

/**
 * Shrinks a batch of NHWC images by area averaging: each output pixel is the mean of the input area it covers,
 * input pixels cut by an output pixel's edge counted by the fraction inside (so any ratio works, e.g. 28 → 8, and
 * the mean intensity of every image is kept exactly). Separable: rows, then columns. Returns a new array of
 * `count × height × width × (grey ? 1 : channels)` values.
 */
export function resizeImages(images: Float32Array, from: ImageGeometry, to: ResizeImagesOptions): Float32Array {
  const where = 'resizeImages';
  for (const f of ['count', 'height', 'width', 'channels'] as const) {
    const v = from?.[f];
    if (!Number.isInteger(v) || v < (f === 'count' ? 0 : 1)) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: from.${f} must be a ${f === 'count' ? 'non-negative' : 'positive'} integer, got ${v}`,
      );
    }
  }
  const { count, height: H, width: W, channels: C } = from;
  if (!(images instanceof Float32Array) || images.length !== count * H * W * C) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: images must be a Float32Array of count × height × width × channels = ${count * H * W * C} values`,
    );
  }
  const h = to?.height;
  const w = to?.width;
  if (!Number.isInteger(h) || h < 1 || h > H)
    throw new L2oError('INVALID_OPTION', `${where}: height must be an integer in 1…${H}, got ${h}`);
  if (!Number.isInteger(w) || w < 1 || w > W)
    throw new L2oError('INVALID_OPTION', `${where}: width must be an integer in 1…${W}, got ${w}`);
  const grey = to.grey ?? false;
  if (typeof grey !== 'boolean')
    throw new L2oError('INVALID_OPTION', `${where}: grey must be true or false, got ${String(grey)}`);
  if (grey && C !== 3 && C !== 1)
    throw new L2oError('SHAPE_MISMATCH', `${where}: grey needs 1 or 3 input channels, got ${C}`);
  const rows = areaWeights(H, h);
  const cols = areaWeights(W, w);
  const outC = grey ? 1 : C;
  const out = new Float32Array(count * h * w * outC);
  // One image at a time, in float64: first average rows (H → h), then columns (W → w).
  const tmp = new Float64Array(h * W * C);
  for (let n = 0; n < count; n++) {
    tmp.fill(0);
    const base = n * H * W * C;
    for (const [i, r, a] of rows) {
      const src = base + r * W * C;
      const dst = i * W * C;
      for (let k = 0; k < W * C; k++) tmp[dst + k]! += a * images[src + k]!;
    }
    const obase = n * h * w * outC;
    for (const [j, c, a] of cols) {
      for (let i = 0; i < h; i++) {
        const src = i * W * C + c * C;
        const dst = obase + (i * w + j) * outC;
        if (grey && C === 3) {
          out[dst]! +=
            a * (LUMA_WEIGHTS[0] * tmp[src]! + LUMA_WEIGHTS[1] * tmp[src + 1]! + LUMA_WEIGHTS[2] * tmp[src + 2]!);
        } else {
          for (let ch = 0; ch < outC; ch++) out[dst + ch]! += a * tmp[src + ch]!;
        }
      }
    }
  }
  return out;
}

/** (output index, input index, weight) triples: output cell o averages input cells over [o·n/m, (o+1)·n/m). */
function areaWeights(n: number, m: number): Array<readonly [number, number, number]> {
  const out: Array<readonly [number, number, number]> = [];
  const span = n / m;
  for (let o = 0; o < m; o++) {
    const lo = o * span;
    const hi = (o + 1) * span;
    for (let i = Math.floor(lo); i < Math.min(n, Math.ceil(hi)); i++) {
      const overlap = Math.min(hi, i + 1) - Math.max(lo, i);
      if (overlap > 1e-12) out.push([o, i, overlap / span]);
    }
  }
  return out;
}
