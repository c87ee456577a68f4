import { base64ToBytes } from '../../base64.js';
import type { WasmBackendLike } from './wasm-heap.js';

// Minimal typings of the WebAssembly JS API (the project's lib is ES2022 without DOM; @types/node has only part).
interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

/** The parts of the Emscripten module behind tfjs-backend-wasm that a module on its memory needs. */
interface EmscriptenLike {
  readonly asm?: { readonly memory?: WasmMemoryLike };
  _malloc?(bytes: number): number;
}

/** What every module built by tools/heap-wasm-build.sh exports besides its kernels. */
export interface HeapModuleExports {
  readonly __stack_pointer: { value: number };
}

/** Bytes of tfjs heap given to a module's stack (the kernels use none at -O3; this is a guard). */
const STACK_BYTES = 1 << 16;

const compiled = new Map<string, object>();
const instances = new WeakMap<object, Map<string, object | null>>();

/**
 * A WebAssembly module built by tools/heap-wasm-build.sh (given as base64), instantiated on the memory of this
 * tfjs-backend-wasm instance, so that its kernels read and write tensors in place (pointers are the tensors'
 * byte offsets, see `heapOffset`); its stack is a block taken from tfjs's allocator. Undefined where that memory
 * is not reachable (callers then use tfjs's own kernels). One instance per module and backend.
 */
export function heapModule<T extends HeapModuleExports>(backend: WasmBackendLike, base64: string): T | undefined {
  const wasm = backend.wasm as unknown as EmscriptenLike;
  let byModule = instances.get(wasm);
  if (!byModule) {
    byModule = new Map();
    instances.set(wasm, byModule);
  }
  const known = byModule.get(base64);
  if (known !== undefined) return (known as T | null) ?? undefined;
  let made: T | null = null;
  try {
    const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
    const memory = wasm.asm?.memory;
    if (api && memory && typeof wasm._malloc === 'function') {
      let mod = compiled.get(base64);
      if (!mod) {
        mod = new api.Module(base64ToBytes(base64));
        compiled.set(base64, mod);
      }
      const e = new api.Instance(mod, { env: { memory } }).exports as T;
      const stack = wasm._malloc(STACK_BYTES);
      if (stack > 0) {
        e.__stack_pointer.value = (stack + STACK_BYTES) & ~15;
        made = e;
      }
    }
  } catch {
    made = null;
  }
  byModule.set(base64, made);
  return made ?? undefined;
}
