import { initEngine } from '@l2o/core';
import type { BackendName, EngineInfo } from '@l2o/core/extend';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** A page's query parameter as a number, with a default. */
export function numberParam(name: string, fallback: number): number {
  const v = new URLSearchParams(location.search).get(name);
  const n = v === null ? Number.NaN : Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Starts l2o's engine with the backend named by `?backend=` (default: the fastest this browser has: WebGPU or
 * WebGL with a GPU, else WebAssembly). The WebAssembly files come from the bundle (Vite gives their URLs).
 */
export async function startEngine(): Promise<EngineInfo> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  const wanted = new URLSearchParams(location.search).get('backend');
  return initEngine((wanted ?? 'auto') as BackendName | 'auto');
}
