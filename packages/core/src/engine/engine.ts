import * as tf from '@tensorflow/tfjs';
import { cpus } from 'node:os';
import { registerWasmKernels } from './wasm-kernels.js';

/** The tensor backends l2o can run on, fastest first. */
export const BACKENDS = ['node', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface EngineInfo {
  readonly backend: BackendName;
  readonly tfjsVersion: string;
  readonly nodeVersion: string;
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
  throw new Error(`${field}: unknown backend "${value}"; allowed values: auto, ${BACKENDS.join(', ')}`);
}

async function tryLoad(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'node') {
      // tfjs-node is an optional peer: present only where its native library could be installed.
      const spec = '@tensorflow/tfjs-node';
      await import(spec);
      if (!tf.engine().registryFactory['tensorflow']) return 'tfjs-node loaded but registered no backend';
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

const TFJS_NAME: Record<BackendName, string> = { node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

/**
 * Picks and initialises the tensor backend: `requested` (or `L2O_BACKEND`), else the fastest available
 * (tfjs-node where installed, else WebAssembly, else plain JS). A forced backend that cannot load is an error.
 */
export async function initEngine(requested?: BackendName | 'auto'): Promise<EngineInfo> {
  const fromEnv = process.env['L2O_BACKEND'];
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
    throw new Error(
      want === 'auto'
        ? `no tensor backend could be loaded (${why})`
        : `backend "${want}" is not available here (${why}); allowed values: auto, ${BACKENDS.join(', ')}`,
    );
  }
  current = {
    backend: chosen,
    tfjsVersion: tf.version.tfjs,
    nodeVersion: process.versions.node,
    cores: cpus().length,
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
  if (chosen === 'cpu' && !warnedSlow && !process.env['L2O_BACKEND']) {
    warnedSlow = true;
    process.emitWarning(
      `${where} runs on tfjs's plain-JS cpu backend, about 30× slower than WebAssembly: call \`await initEngine()\` ` +
        'from @l2o/core first (it picks tfjs-node, else wasm) or set L2O_BACKEND=cpu to keep cpu and silence this',
      { code: 'L2O_SLOW_BACKEND' },
    );
  }
  return chosen;
}

/** The engine chosen by the last `initEngine`, if any. */
export function engineInfo(): EngineInfo | undefined {
  return current;
}
