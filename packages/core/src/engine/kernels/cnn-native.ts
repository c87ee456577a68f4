import { CNN_KERNELS_WASM_BASE64 } from './cnn-kernels.wasm.js';
import type { WasmBackendLike } from './wasm-heap.js';

// Minimal typings of the WebAssembly JS API (the project's lib is ES2022 without DOM; @types/node has only part).
interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

/** The exports of native/cnn-kernels.c; pointers are byte offsets into the tfjs-backend-wasm memory. */
export interface CnnKernelExports {
  readonly __stack_pointer: { value: number };
  l2o_conv2d_filter_grad(...args: number[]): void;
  l2o_conv2d(...args: number[]): void;
  l2o_max_pool_grad(...args: number[]): void;
  l2o_bn_relu_pool(...args: number[]): void;
  l2o_bn_relu_pool_grad(...args: number[]): void;
}

/** The parts of the Emscripten module behind tfjs-backend-wasm that the native kernels need. */
interface EmscriptenLike {
  readonly asm?: { readonly memory?: WasmMemoryLike };
  _malloc?(bytes: number): number;
}

/** Bytes of tfjs heap given to the kernels' stack (they use none at -O3; this is a guard). */
const STACK_BYTES = 1 << 16;

let module: object | undefined;
const instances = new WeakMap<object, CnnKernelExports | null>();

/**
 * l2o's CNN kernels (native/cnn-kernels.c) instantiated on the memory of this tfjs-backend-wasm instance, so they
 * read and write tensors in place; undefined where that memory is not reachable (then callers use tfjs's own
 * kernels). One instance per backend.
 */
export function cnnKernels(backend: WasmBackendLike): CnnKernelExports | undefined {
  const wasm = backend.wasm as unknown as EmscriptenLike;
  const known = instances.get(wasm);
  if (known !== undefined) return known ?? undefined;
  let made: CnnKernelExports | null = null;
  try {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    const memory = wasm.asm?.memory;
    if (api && memory && typeof wasm._malloc === 'function') {
      module ??= new api.Module(base64Bytes(CNN_KERNELS_WASM_BASE64));
      const e = new api.Instance(module, { env: { memory } }).exports as CnnKernelExports;
      const stack = wasm._malloc(STACK_BYTES);
      if (stack > 0) {
        e.__stack_pointer.value = (stack + STACK_BYTES) & ~15;
        made = e;
      }
    }
  } catch {
    made = null;
  }
  instances.set(wasm, made);
  return made ?? undefined;
}

function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
