import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from './wasm-kernels.js';
import { L2oError } from '../l2o-error.js';

/**
 * The tensor backends l2o can run on, fastest first: tfjs-node (Node, with `@l2o/core/node` loaded and
 * `@tensorflow/tfjs-node` installed), WebGPU and WebGL (browsers with a GPU), WebAssembly, plain JS.
 */
export const BACKENDS = ['node', 'webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface EngineInfo {
  readonly backend: BackendName;
  readonly tfjsVersion: string;
  /** Node's version; empty in other runtimes (browsers, workers). */
  readonly nodeVersion: string;
  /** Logical processors (`navigator.hardwareConcurrency`, or Node's `availableParallelism` with `@l2o/core/node`). */
  readonly cores: number;
  /** Backends that could be loaded in this process, in order of preference. */
  readonly available: readonly BackendName[];
  /** Why each unavailable backend could not be loaded. */
  readonly unavailable: Readonly<Partial<Record<BackendName, string>>>;
}

let current: EngineInfo | undefined;

/** Parses a backend name (from a flag or `L2O_BACKEND`), with an error that names the allowed values. */
export function parseBackend(value: string, field = 'backend'): BackendName | 'auto' {
  const v = value.trim().toLowerCase();
  if (v === 'auto' || (BACKENDS as readonly string[]).includes(v)) return v as BackendName | 'auto';
  throw new L2oError(
    'INVALID_OPTION',
    `${field}: unknown backend "${value}"; allowed values: auto, ${BACKENDS.join(', ')}`,
  );
}

/** What the runtime offers beyond the standard globals: set by `@l2o/core/node` when it is loaded. */
export interface EngineHost {
  /** Loads a backend this module cannot load by itself (`node`: tfjs-node); resolves to an error text or undefined. */
  readonly loaders?: Partial<Record<BackendName, () => Promise<string | undefined>>>;
  /** Logical processors, where `navigator.hardwareConcurrency` is missing (Node 20). */
  readonly cores?: () => number;
}

let host: EngineHost = {};

/** Adds what a runtime offers to the engine (see {@link EngineHost}); `@l2o/core/node` calls it when loaded. */
export function registerEngineHost(more: EngineHost): void {
  host = { loaders: { ...host.loaders, ...more.loaders }, cores: more.cores ?? host.cores };
}

interface RuntimeGlobals {
  process?: {
    env?: Record<string, string | undefined>;
    versions?: { node?: string };
    emitWarning?: (message: string, options: { code: string }) => void;
  };
  navigator?: { hardwareConcurrency?: number; gpu?: unknown };
  document?: unknown;
  OffscreenCanvas?: unknown;
  WebGL2RenderingContext?: unknown;
  WebGLRenderingContext?: unknown;
}
const runtime = (): RuntimeGlobals => globalThis as RuntimeGlobals;

/** `name` from the environment (Node's `process.env`), undefined where there is none. */
function envVar(name: string): string | undefined {
  return runtime().process?.env?.[name];
}

function cores(): number {
  const n = runtime().navigator?.hardwareConcurrency;
  if (typeof n === 'number' && n > 0) return n;
  return host.cores?.() ?? 1;
}

/** Optional package, resolved at run time only: bundlers leave it alone, a missing one is an error text. */
const WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

async function tryLoad(name: BackendName): Promise<string | undefined> {
  try {
    const loader = host.loaders?.[name];
    if (loader) return await loader();
    if (name === 'node') return 'needs @l2o/core/node (imported in Node) and @tensorflow/tfjs-node installed';
    if (name === 'webgpu') {
      if (runtime().navigator?.gpu === undefined) return 'no WebGPU in this runtime (navigator.gpu)';
      if (!tf.engine().registryFactory['webgpu']) {
        const spec = WEBGPU_PACKAGE;
        await import(/* @vite-ignore */ spec);
      }
      return undefined;
    }
    if (name === 'webgl') {
      const g = runtime();
      const hasCanvas = g.document !== undefined || g.OffscreenCanvas !== undefined;
      if (!hasCanvas || (g.WebGL2RenderingContext === undefined && g.WebGLRenderingContext === undefined)) {
        return 'no WebGL in this runtime';
      }
      return undefined;
    }
    if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
      return undefined;
    }
    return undefined;
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return msg ?? 'failed to load';
  }
}

const TFJS_NAME: Record<BackendName, string> = {
  node: 'tensorflow',
  webgpu: 'webgpu',
  webgl: 'webgl',
  wasm: 'wasm',
  cpu: 'cpu',
};

/**
 * Picks and initialises the tensor backend: `requested` (or `L2O_BACKEND` in Node), else the fastest available
 * (tfjs-node where installed and `@l2o/core/node` loaded, else WebGPU or WebGL in a browser with a GPU —
 * WebGPU needs the optional `@tensorflow/tfjs-backend-webgpu` —, else WebAssembly, else plain JS). A forced
 * backend that cannot load is an error. In a browser, WebAssembly needs its `.wasm` files served: call
 * `setWasmPaths` from `@tensorflow/tfjs-backend-wasm` first when the bundler does not place them.
 */
export async function initEngine(requested?: BackendName | 'auto'): Promise<EngineInfo> {
  const fromEnv = envVar('L2O_BACKEND');
  const want = requested ?? (fromEnv ? parseBackend(fromEnv, 'L2O_BACKEND') : 'auto');
  if (current && (want === 'auto' || want === current.backend)) return current;
  tf.enableProdMode();
  const unavailable: Partial<Record<BackendName, string>> = {};
  const available: BackendName[] = [];
  const order: BackendName[] = want === 'auto' ? [...BACKENDS] : [want];
  let chosen: BackendName | undefined;
  for (const name of order) {
    const err = await tryLoad(name);
    if (err !== undefined) {
      unavailable[name] = err;
      continue;
    }
    const ok = await tf.setBackend(TFJS_NAME[name]).catch(() => false);
    if (!ok) {
      unavailable[name] = `tf.setBackend('${TFJS_NAME[name]}') failed`;
      continue;
    }
    await tf.ready();
    available.push(name);
    chosen = name;
    break;
  }
  if (!chosen) {
    const why = Object.entries(unavailable)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ');
    throw new L2oError(
      'INVALID_OPTION',
      want === 'auto'
        ? `no tensor backend could be loaded (${why})`
        : `backend "${want}" is not available here (${why}); allowed values: auto, ${BACKENDS.join(', ')}`,
    );
  }
  current = {
    backend: chosen,
    tfjsVersion: tf.version.tfjs,
    nodeVersion: runtime().process?.versions?.node ?? '',
    cores: cores(),
    available,
    unavailable,
  };
  return current;
}

let warnedSlow = false;

/**
 * What `evaluate` and `metaTrain` call first, so that a user who did nothing gets the fast engine: when l2o's
 * engine was never initialised and no tfjs backend was chosen yet (by `tf.setBackend`, or implicitly by
 * creating a tensor), it runs {@link initEngine} (which honours `L2O_BACKEND`). A backend the user chose is kept;
 * if that is tfjs's plain-JS `cpu` backend, one warning says how to get the fast one. Returns the backend in use.
 */
export async function ensureEngine(where: string): Promise<string> {
  if (current) return tf.getBackend();
  const chosen = (tf.engine() as { backendName?: string | null }).backendName;
  if (!chosen) {
    await initEngine();
    return tf.getBackend();
  }
  if (chosen === 'cpu' && !warnedSlow && !envVar('L2O_BACKEND')) {
    warnedSlow = true;
    const message =
      `${where} runs on tfjs's plain-JS cpu backend, about 30× slower than WebAssembly: call \`await initEngine()\` ` +
      'from @l2o/core first (it picks tfjs-node, else wasm) or set L2O_BACKEND=cpu to keep cpu and silence this';
    const emit = runtime().process?.emitWarning;
    if (typeof emit === 'function') emit.call(runtime().process, message, { code: 'L2O_SLOW_BACKEND' });
    else console.warn(`L2O_SLOW_BACKEND: ${message}`);
  }
  return chosen;
}

/** The engine chosen by the last `initEngine`, if any. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}
