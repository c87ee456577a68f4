import { L2oError } from '@l2o/core';
import { base64ToBytes } from '@l2o/core/extend';
import type { WasmMemory } from '@l2o/optimizer-lstm/extend';
import { NTM_MEMORY_KERNEL_WASM_BASE64 } from './memory-kernel.wasm.js';

// Minimal typings of the WebAssembly JS API (the project's lib is ES2022 without DOM).
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
}

/** The exports of native/memory-kernel.c (pointers are byte offsets into `memory`). */
interface MemoryKernelExports {
  readonly memory: WasmMemory;
  readonly __heap_base: { readonly value: number };
  l2o_dot_rows(rows: number, K: number, y: number, n: number, out: number): void;
  l2o_axpy_rows(rows: number, c: number, K: number, base: number, s: number, n: number, out: number): void;
}

/**
 * The fused NTM-L-BFGS unroll's memory loops on vectors kept in a WebAssembly memory (SIMD128, one thread).
 * Vectors are float32, addressed by byte offset; `alloc` hands out space until `reset`.
 */
export interface MemoryKernel {
  /** Space for `count` float32 (16-byte aligned); returns its byte offset. May grow the memory. */
  alloc(count: number): number;
  /** A view of `count` float32 at `at`; valid until the next `alloc` (which may grow the memory). */
  f32(at: number, count: number): Float32Array;
  /** out[k] = rows[k] · y over the first n entries (float64 results; float32 SIMD partial sums). */
  dotRows(rows: readonly number[], y: number, n: number, out: Float64Array): void;
  /**
   * out = s · base + Σ_k coef[k] · rows[k] over the first n entries (base 0: no base term;
   * no allocation sits at offset 0); rows whose
   * coefficient is 0 are skipped. `out` may be `base`.
   */
  axpyRows(rows: readonly number[], coef: ArrayLike<number>, base: number, s: number, n: number, out: number): void;
  /** Frees every allocation (the memory keeps its size, for the next unroll). */
  reset(): void;
}

const PAGE = 65536;
let compiled: WasmModule | undefined;
const pool: MemoryKernel[] = [];
/** Instances kept for reuse after release (one per concurrent unroll is typical). */
const POOL_SIZE = 2;

function wasmApi(): WasmApi {
  const w = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!w) throw new L2oError('UNSUPPORTED', 'fused ntm-bfgs: WebAssembly is not available in this runtime');
  return w;
}

function instantiate(): MemoryKernel {
  const api = wasmApi();
  compiled ??= new api.Module(base64ToBytes(NTM_MEMORY_KERNEL_WASM_BASE64));
  const ex = new api.Instance(compiled, {}).exports as unknown as MemoryKernelExports;
  const memory = ex.memory;
  const heapBase = (ex.__heap_base.value + 15) & ~15;
  let top = heapBase;
  // Argument tables (row offsets as u32, coefficients as float32, results as float64), regrown when a call needs more.
  let tableAt = 0;
  let tableCap = 0;
  const grow = (bytes: number): void => {
    const have = memory.buffer.byteLength;
    if (bytes <= have) return;
    const pages = Math.ceil((bytes - have) / PAGE);
    if (have / PAGE + pages > 65536)
      throw new L2oError(
        'UNSUPPORTED',
        `fused ntm-bfgs: the memory needs ${(bytes / 2 ** 20).toFixed(0)} MiB of wasm memory, over the 4096 MiB ` +
          'limit; use fewer coordinates, a shorter unroll or a smaller window',
      );
    memory.grow(pages);
  };
  const alloc = (count: number): number => {
    const at = top;
    top = (top + count * 4 + 15) & ~15;
    grow(top);
    return at;
  };
  /** Offset of a table with room for `k` entries of 8 bytes (u32 rows, f32 coefficients and f64 results fit). */
  const table = (k: number): number => {
    if (k > tableCap) {
      tableCap = Math.max(64, 2 * k);
      tableAt = alloc(3 * 2 * tableCap);
    }
    return tableAt;
  };
  return {
    alloc,
    f32: (at, count) => new Float32Array(memory.buffer, at, count),
    dotRows(rows, y, n, out): void {
      const K = rows.length;
      if (K === 0) return;
      const at = table(K);
      const outAt = at + 8 * tableCap;
      new Uint32Array(memory.buffer, at, K).set(rows);
      ex.l2o_dot_rows(at, K, y, n, outAt);
      out.set(new Float64Array(memory.buffer, outAt, K));
    },
    axpyRows(rows, coef, base, s, n, out): void {
      const at = table(rows.length);
      const r = new Uint32Array(memory.buffer, at, rows.length);
      const c = new Float32Array(memory.buffer, at + 8 * tableCap, rows.length);
      let K = 0;
      for (let k = 0; k < rows.length; k++) {
        const ck = coef[k]!;
        if (ck === 0) continue;
        r[K] = rows[k]!;
        c[K] = ck;
        K++;
      }
      ex.l2o_axpy_rows(at, at + 8 * tableCap, K, base, s, n, out);
    },
    reset(): void {
      top = heapBase;
      tableCap = 0;
    },
  };
}

/** A memory kernel for one unroll (from the pool, or a new instance); give it back with {@link releaseMemoryKernel}. */
export function acquireMemoryKernel(): MemoryKernel {
  return pool.pop() ?? instantiate();
}

/** Returns a kernel to the pool (its allocations freed); beyond the pool's size it is dropped. */
export function releaseMemoryKernel(kernel: MemoryKernel): void {
  kernel.reset();
  if (pool.length < POOL_SIZE) pool.push(kernel);
}
