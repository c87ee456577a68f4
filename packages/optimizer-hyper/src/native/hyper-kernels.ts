import * as tf from '@tensorflow/tfjs';
import {
  heapModule,
  type HeapModuleExports,
  heapOffset,
  type WasmBackendLike,
  type WasmKernelArgs,
} from '@l2o/core/extend';
import { L2oError } from '@l2o/core';
import { HYPER_KERNELS_WASM_BASE64 } from './hyper-kernels.wasm.js';

/** The exports of native/hyper-kernels.c; pointers are byte offsets into the tfjs-backend-wasm memory. */
interface HyperKernelExports extends HeapModuleExports {
  l2o_hyper_moments(...args: number[]): void;
  l2o_hyper_update(...args: number[]): void;
}

/** tfjs kernel names of the two passes (registered for the wasm backend only). */
export const HYPER_MOMENTS = 'L2oHyperMoments' as const;
export const HYPER_UPDATE = 'L2oHyperUpdate' as const;

function kernels(backend: WasmBackendLike, name: string): HyperKernelExports {
  const k = heapModule<HyperKernelExports>(backend, HYPER_KERNELS_WASM_BASE64);
  if (!k) throw new L2oError('UNSUPPORTED', `${name}: l2o's hyper kernels are not available on this wasm backend`);
  return k;
}

type Inputs = Record<string, tf.TensorInfo>;
const num = (attrs: tf.NamedAttrMap | undefined, key: string): number => attrs?.[key] as number;

/**
 * First pass over one tensor. Inputs g, theta, m, v, m2 (float32, same size); attrs beta1–3, ic1 = 1/c1,
 * ic2 = 1/c2, epsilon. Outputs the new m, v, m2 and the six sums of `TensorSums` as doubles in a float32[12].
 */
function momentsKernel({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo[] {
  const { g, theta, m, v, m2 } = inputs as Inputs;
  const k = kernels(backend, HYPER_MOMENTS);
  const shape = g!.shape;
  const outs = [
    backend.makeOutput(shape, 'float32'),
    backend.makeOutput(shape, 'float32'),
    backend.makeOutput(shape, 'float32'),
    backend.makeOutput([12], 'float32'),
  ];
  const at = (x: tf.TensorInfo): number => heapOffset(backend, x);
  k.l2o_hyper_moments(
    at(g!),
    at(theta!),
    at(m!),
    at(v!),
    at(m2!),
    ...outs.map(at),
    tf.util.sizeFromShape(shape),
    num(attrs, 'beta1'),
    num(attrs, 'beta2'),
    num(attrs, 'beta3'),
    num(attrs, 'ic1'),
    num(attrs, 'ic2'),
    num(attrs, 'epsilon'),
  );
  return outs;
}

/** Second pass: inputs g, m, v, m2; attrs a, b, c, ic2, epsilon; output (a·g + b·m + c·m2)/(√(v·ic2) + ε). */
function updateKernel({ inputs, backend, attrs }: WasmKernelArgs): tf.TensorInfo {
  const { g, m, v, m2 } = inputs as Inputs;
  const k = kernels(backend, HYPER_UPDATE);
  const u = backend.makeOutput(g!.shape, 'float32');
  const at = (x: tf.TensorInfo): number => heapOffset(backend, x);
  k.l2o_hyper_update(
    at(g!),
    at(m!),
    at(v!),
    at(m2!),
    at(u),
    tf.util.sizeFromShape(g!.shape),
    num(attrs, 'a'),
    num(attrs, 'b'),
    num(attrs, 'c'),
    num(attrs, 'ic2'),
    num(attrs, 'epsilon'),
  );
  return u;
}

/**
 * True when the current backend is tfjs-backend-wasm and l2o's hyper kernels run on its memory (registering the
 * two kernels on first call). Elsewhere (cpu, webgl, webgpu, tfjs-node) the hyper optimizer takes its other paths.
 */
export function hyperKernelsAvailable(): boolean {
  if (tf.getBackend() !== 'wasm') return false;
  if (!tf.getKernel(HYPER_MOMENTS, 'wasm')) {
    tf.registerKernel({
      kernelName: HYPER_MOMENTS,
      backendName: 'wasm',
      kernelFunc: momentsKernel as unknown as tf.KernelFunc,
    });
    tf.registerKernel({
      kernelName: HYPER_UPDATE,
      backendName: 'wasm',
      kernelFunc: updateKernel as unknown as tf.KernelFunc,
    });
  }
  return (
    heapModule<HyperKernelExports>(tf.backend() as unknown as WasmBackendLike, HYPER_KERNELS_WASM_BASE64) !== undefined
  );
}
