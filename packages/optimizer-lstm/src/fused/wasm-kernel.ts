import { base64ToBytes } from '@l2o/core/extend';
import { LSTM_KERNEL_SHARED_WASM_BASE64, LSTM_KERNEL_WASM_BASE64 } from './lstm-kernel.wasm.js';
import { L2oError } from '@l2o/core';

// Minimal typings of the WebAssembly JS API (the project's lib is ES2022 without DOM; @types/node has only part).
/** A WasmMemory. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}
const wasmApi = (): WasmApi | undefined => (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** The exports of native/lstm-kernel.c (pointers are byte offsets into the memory). */
export interface LstmKernelExports {
  readonly __heap_base: { readonly value: number };
  l2o_vec_tanh(n: number, x: number, y: number): void;
  l2o_vec_sigmoid(n: number, x: number, y: number): void;
  l2o_vec_log(n: number, x: number, y: number): void;
  /** log/sign preprocessing of n raw gradients (n a multiple of 4) into n × 2 inputs. */
  l2o_log_sign(n: number, raw: number, p: number, thr: number, expP: number, x: number): void;
  l2o_forward_rows(plan: number, t: number, r0: number, r1: number): void;
  /** One forward step over rows [r0, r1), the state updated in place, nothing saved (inference). */
  l2o_infer_rows(plan: number, r0: number, r1: number, thread: number): void;
  /**
   * The same over chunks of `chunk` rows taken from the plan's work counter (word 20, zeroed by the caller) until
   * `np`: both threads call them at once and share the rows by how fast each one goes (see {@link rowChunk}).
   */
  l2o_forward_shared(plan: number, t: number, chunk: number, np: number): void;
  l2o_backward_shared(plan: number, K: number, chunk: number, np: number, thread: number): void;
  l2o_infer_shared(plan: number, chunk: number, np: number, thread: number): void;
  /** Doubles of one accumulator record of l2o_backward_shared (per layer dW, db; then dwo, dbo). */
  l2o_acc_record_doubles(plan: number): number;
  /** Adds the first `count` records up in chunk order into thread 0's accumulator slots (thread 1's zeroed). */
  l2o_reduce_records(plan: number, count: number): void;
  /** Single pieces of a step (see native/lstm-kernel.c), which a caller sequences itself (e.g. to mix rows between layers). */
  l2o_fwd_layer(...args: number[]): void;
  l2o_fwd_output(...args: number[]): void;
  l2o_bwd_output(...args: number[]): void;
  l2o_bwd_layer(...args: number[]): void;
  /** Row averaging in two halves (per-thread column sums per group, then the means written back). */
  l2o_sum_rows(...args: number[]): void;
  l2o_fill_rows(...args: number[]): void;
}

/**
 * The kernel pieces a call list may name, by index: a list is float64 words [fn, argc, args…] repeated, read by
 * {@link LstmKernel.start} 'calls' (the helper runs it on its rows while the caller runs its own).
 */
export const KERNEL_CALLS = [
  'l2o_fwd_layer',
  'l2o_fwd_output',
  'l2o_bwd_output',
  'l2o_bwd_layer',
  'l2o_sum_rows',
  'l2o_fill_rows',
] as const;
export type KernelCall = (typeof KERNEL_CALLS)[number];

/** One kernel instance: its memory and, with 2 threads, a helper worker on the same shared memory. */
export interface LstmKernel {
  readonly exports: LstmKernelExports;
  readonly memory: WasmMemory;
  readonly threads: 1 | 2;
  /**
   * Runs `l2o_forward_shared` / `l2o_backward_shared` / `l2o_infer_shared` with these args on the helper thread
   * (threads = 2); 'calls' runs the call list of `args[1]` float64 words at byte offset `args[0]` of the memory
   * (see {@link KERNEL_CALLS}).
   */
  start(cmd: 'forward' | 'backward' | 'infer' | 'calls', args: readonly number[]): void;
  /** Waits for the helper's work started by `start`. Throws if it failed. */
  join(): void;
  /** Stops the helper thread (if any). The kernel must not be used afterwards. */
  dispose(): void;
}

const compiled = new Map<string, WasmModule>();

function api(): WasmApi {
  const w = wasmApi();
  if (!w) throw new L2oError('UNSUPPORTED', 'fused lstm: WebAssembly is not available in this runtime');
  return w;
}

function module(shared: boolean): WasmModule {
  const key = shared ? 'shared' : 'single';
  let m = compiled.get(key);
  if (!m) {
    m = new (api().Module)(base64ToBytes(shared ? LSTM_KERNEL_SHARED_WASM_BASE64 : LSTM_KERNEL_WASM_BASE64));
    compiled.set(key, m);
  }
  return m;
}

/** True where WebAssembly with SIMD128 is available (Node ≥ 16.4, current browsers). */
export function fusedKernelSupported(): boolean {
  try {
    if (!wasmApi()) return false;
    module(false);
    return true;
  } catch {
    return false;
  }
}

// Control words shared with the helper: [0] sequence, [1] command (0 quit, 1 forward, 2 backward, 3 infer, 4 calls),
// [2..6] arguments, [7] done (0 running, 1 done, 2 failed), [8] helper state (0 starting, 1 ready, 2 failed).

/** What a helper thread of a 2-thread kernel receives: the compiled module, the shared memory, the control words. */
export interface KernelHelperData {
  readonly module: unknown;
  readonly memory: WasmMemory;
  readonly control: SharedArrayBuffer;
}

/**
 * Starts helper threads for 2-thread kernels in a runtime: `@l2o/optimizer-lstm/node` registers one on
 * worker_threads when it is loaded. Without one, kernels run on one thread.
 */
export interface KernelThreadHost {
  /** Logical processors available to this process. */
  parallelism(): number;
  /** Starts a helper that instantiates `data.module` on `data.memory` and serves `data.control` (see {@link KERNEL_HELPER_LOOP}). */
  spawn(data: KernelHelperData): void;
}

/**
 * The helper's loop, as JavaScript source over `module`, `memory` and `control` (a thread host wraps it in its
 * runtime's worker bootstrap): instantiate, report ready, then run commands until told to quit.
 */
export const KERNEL_HELPER_LOOP: string = `
const c = new Int32Array(control);
let e;
try {
  e = new WebAssembly.Instance(module, { env: { memory } }).exports;
  Atomics.store(c, 8, 1);
} catch (err) {
  Atomics.store(c, 8, 2);
  Atomics.store(c, 7, 2);
  Atomics.notify(c, 7);
}
let seen = 0;
while (e) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  const cmd = c[1];
  if (cmd === 0) break;
  try {
    if (cmd === 1) e.l2o_forward_shared(c[2] >>> 0, c[3], c[4], c[5]);
    else if (cmd === 2) e.l2o_backward_shared(c[2] >>> 0, c[3], c[4], c[5], c[6]);
    else if (cmd === 3) e.l2o_infer_shared(c[2] >>> 0, c[3], c[4], c[5]);
    else {
      const names = ${JSON.stringify(KERNEL_CALLS)};
      const a = new Float64Array(memory.buffer, c[2] >>> 0, c[3]);
      for (let i = 0; i < a.length; i += 2 + a[i + 1]) e[names[a[i]]](...a.subarray(i + 2, i + 2 + a[i + 1]));
    }
    Atomics.store(c, 7, 1);
  } catch (err) {
    Atomics.store(c, 7, 2);
  }
  Atomics.notify(c, 7);
}
`;

let threadHost: KernelThreadHost | undefined;

/** Lets 2-thread kernels start their helper through `host` (see {@link KernelThreadHost}). */
export function registerKernelThreads(host: KernelThreadHost): void {
  threadHost = host;
}

/** True where 2-thread kernels can run: a registered thread host, shared memory, and at least 2 processors. */
export function kernelThreadsAvailable(): boolean {
  return threadHost !== undefined && typeof SharedArrayBuffer === 'function' && threadHost.parallelism() >= 2;
}

/** Longest wait for the helper thread to start (it compiles nothing; instantiation takes milliseconds). */
const HELPER_START_TIMEOUT_MS = 30_000;

/**
 * A fresh instance of the fused LSTM kernel. `threads: 2` shares one WasmMemory with a helper thread started
 * by the registered {@link KernelThreadHost} (worker_threads with `@l2o/optimizer-lstm/node`; needs
 * SharedArrayBuffer); 1 is plain single-threaded wasm, in any runtime. Synchronous compilation
 * (once per process): fine in Node and in workers; a browser main thread may refuse it.
 */
export function instantiateLstmKernel(threads: 1 | 2 = 1): LstmKernel {
  if (threads === 1) {
    const instance = new (api().Instance)(module(false), {});
    const ex = instance.exports as unknown as LstmKernelExports & { memory: WasmMemory };
    return {
      exports: ex,
      memory: ex.memory,
      threads: 1,
      start(): void {
        throw new L2oError('UNSUPPORTED', 'fused lstm: no helper thread in a single-threaded kernel');
      },
      join(): void {},
      dispose(): void {},
    };
  }
  const host = threadHost;
  if (host === undefined || typeof SharedArrayBuffer !== 'function') {
    throw new L2oError(
      'UNSUPPORTED',
      'fused lstm: threads: 2 needs helper threads and SharedArrayBuffer: in Node import "@l2o/optimizer-lstm/node" ' +
        'first; elsewhere use threads: 1',
    );
  }
  const mod = module(true);
  const memory = new (api().Memory)({ initial: 32, maximum: 65536, shared: true });
  const ex = new (api().Instance)(mod, { env: { memory } }).exports as unknown as LstmKernelExports;
  const control = new SharedArrayBuffer(9 * 4);
  const c = new Int32Array(control);
  host.spawn({ module: mod, memory, control });
  let running = false;
  return {
    exports: ex,
    memory,
    threads: 2,
    start(cmd: 'forward' | 'backward' | 'infer' | 'calls', args: readonly number[]): void {
      if (running) throw new L2oError('INVALID_STATE', 'fused lstm: helper thread is busy');
      c[1] = cmd === 'forward' ? 1 : cmd === 'backward' ? 2 : cmd === 'infer' ? 3 : 4;
      for (let i = 0; i < 5; i++) c[2 + i] = args[i] ?? 0;
      Atomics.store(c, 7, 0);
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
      running = true;
    },
    join(): void {
      if (!running) return;
      const t0 = Date.now();
      let v = Atomics.load(c, 7);
      for (; v === 0; v = Atomics.load(c, 7)) {
        Atomics.wait(c, 7, 0, 1000);
        const helper = Atomics.load(c, 8);
        if (helper === 2 || (helper === 0 && Date.now() - t0 > HELPER_START_TIMEOUT_MS)) {
          running = false;
          throw new L2oError(
            'UNSUPPORTED',
            helper === 2
              ? 'fused lstm: the helper thread could not instantiate the kernel; use threads: 1'
              : 'fused lstm: the helper thread did not start; use threads: 1',
          );
        }
      }
      running = false;
      if (v === 2) {
        throw new L2oError(
          'UNSUPPORTED',
          Atomics.load(c, 8) === 2
            ? 'fused lstm: the helper thread could not instantiate the kernel; use threads: 1'
            : 'fused lstm: the helper thread failed (out of memory?)',
        );
      }
    },
    dispose(): void {
      if (running) this.join();
      c[1] = 0;
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
    },
  };
}

/**
 * Rows per chunk of the *_shared kernels: np split in about `pieces` chunks of a multiple of 4 rows. With a fixed
 * half each, the caller waited ≈ 2 ms per call (of ≈ 15) for the helper, which starts ≈ 0.4 ms late (its wake-up)
 * and ran ≈ 6 % slower on this 2-core host; with chunks the faster thread takes more of them.
 */
export function rowChunk(np: number, pieces: number): number {
  return Math.max(4, Math.ceil(np / pieces / 4) * 4);
}

/** Zeroes the work counter of a plan (uint32 word 20) before a *_shared call. */
export function resetWorkCounter(u32: Uint32Array, plan: number): void {
  u32[(plan >>> 2) + 20] = 0;
}

const PAGE = 65536;

/** Grows the memory to at least `bytes`. Throws (naming the size) beyond the 4 GiB wasm32 limit. */
export function ensureMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  const pages = Math.ceil((bytes - have) / PAGE);
  if (have / PAGE + pages > 65536) {
    throw new L2oError(
      'UNSUPPORTED',
      `fused lstm: needs ${(bytes / 2 ** 20).toFixed(0)} MiB of wasm memory, over the 4096 MiB limit; ` +
        'use fewer coordinates or a shorter unroll',
    );
  }
  memory.grow(pages);
}
