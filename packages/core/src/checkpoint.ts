import * as tf from '@tensorflow/tfjs';
import {
  decodeContainer,
  encodeContainer,
  packBinaryFile,
  unpackBinaryFile,
  type ContainerValue,
} from './container-codec.js';
import type { JsonValue, TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** Everything needed to continue a meta-training run exactly where it stopped. */
export interface MetaCheckpoint {
  /** Epochs completed. */
  readonly epoch: number;
  readonly phi: TensorMap;
  readonly metaState: tf.TensorContainer;
  readonly best: TensorMap;
  readonly bestEpoch: number;
  readonly bestValidation: number;
  readonly history: readonly { epoch: number; metaLoss: number; validation?: number }[];
  readonly wallSeconds: number;
  readonly skippedUnrolls: number;
  readonly fingerprint: Readonly<Record<string, string | number | boolean>>;
  /**
   * The trainer's state within an epoch: meta-step, slots (JSON and tensors), counters. Written by trainers that can
   * stop mid-epoch; absent in checkpoints of the single-task trainer, which stopped at epoch boundaries only.
   */
  readonly run?: ContainerValue;
}

/**
 * Where `metaTrain` keeps its checkpoint: a file (`fileCheckpointStore` from `@l2o/core/node`), IndexedDB or
 * localStorage in a browser, memory ({@link memoryCheckpointStore}), … Either method may return a promise.
 */
export interface CheckpointStore {
  /** Names the checkpoint in messages (a path, a key). */
  readonly name: string;
  /** The bytes last written, or undefined when there is no checkpoint yet. */
  read(): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Replaces the checkpoint with `data` (all or nothing where the medium allows it). */
  write(data: Uint8Array): void | Promise<void>;
}

/** A checkpoint kept in memory (tests, or a page that stores the bytes itself). */
export function memoryCheckpointStore(name = 'memory checkpoint'): CheckpointStore & { data: Uint8Array | undefined } {
  const store = {
    name,
    data: undefined as Uint8Array | undefined,
    read: (): Uint8Array | undefined => store.data,
    write: (data: Uint8Array): void => {
      store.data = data.slice();
    },
  };
  return store;
}

const CHECKPOINT_KIND = 'l2o-meta-checkpoint';
const CHECKPOINT_VERSION = 1;

/** The bytes of a checkpoint file ({@link readCheckpoint} reads them back); storage is the caller's. */
export function encodeCheckpoint(ck: MetaCheckpoint): Uint8Array {
  const { json: tensors, bytes } = encodeContainer({
    phi: { ...ck.phi },
    metaState: ck.metaState,
    best: { ...ck.best },
    ...(ck.run !== undefined ? { run: ck.run } : {}),
  });
  const json: JsonValue = {
    kind: CHECKPOINT_KIND,
    version: CHECKPOINT_VERSION,
    epoch: ck.epoch,
    bestEpoch: ck.bestEpoch,
    // JSON has no Infinity: store it as null.
    bestValidation: Number.isFinite(ck.bestValidation) ? ck.bestValidation : null,
    // Skipped unrolls make meta-losses NaN; JSON would turn them into null, so non-finite numbers are strings.
    history: ck.history.map((h) =>
      h.validation === undefined
        ? { epoch: h.epoch, metaLoss: numberToJson(h.metaLoss) }
        : { epoch: h.epoch, metaLoss: numberToJson(h.metaLoss), validation: numberToJson(h.validation) },
    ) as JsonValue,
    wallSeconds: ck.wallSeconds,
    skippedUnrolls: ck.skippedUnrolls,
    fingerprint: { ...ck.fingerprint },
    tensors,
  };
  return packBinaryFile(json, bytes);
}

function numberToJson(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function numberFromJson(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  throw new L2oError('INVALID_DATA', `checkpoint: ${what} must be a number, got ${JSON.stringify(v)}`);
}

function readHistory(v: unknown): MetaCheckpoint['history'] {
  if (!Array.isArray(v)) throw new L2oError('INVALID_DATA', 'checkpoint: field "history" must be an array');
  return v.map((h: unknown, i) => {
    if (h === null || typeof h !== 'object')
      throw new L2oError('INVALID_DATA', `checkpoint: history[${i}] must be an object`);
    const o = h as Record<string, unknown>;
    const epoch = numberFromJson(o['epoch'], `history[${i}].epoch`);
    const metaLoss = numberFromJson(o['metaLoss'], `history[${i}].metaLoss`);
    return o['validation'] === undefined
      ? { epoch, metaLoss }
      : { epoch, metaLoss, validation: numberFromJson(o['validation'], `history[${i}].validation`) };
  });
}

function field<T>(obj: Record<string, unknown>, key: string, check: (v: unknown) => boolean, what: string): T {
  const v = obj[key];
  if (!check(v)) throw new L2oError('INVALID_DATA', `checkpoint: field "${key}" must be ${what}`);
  return v as T;
}

/**
 * Reads a checkpoint written by {@link writeCheckpoint}; a corrupt or foreign file gives a clear error that
 * starts with `source` (the file's path, when known).
 */
export function readCheckpoint(data: Uint8Array, source = 'checkpoint'): MetaCheckpoint {
  try {
    return decodeCheckpoint(data);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new L2oError(
      e instanceof L2oError ? e.code : 'INVALID_DATA',
      `${source}: ${msg.replace(/^(checkpoint|unpackBinaryFile|decodeContainer): /, '')}`,
      { cause: e },
    );
  }
}

function decodeCheckpoint(data: Uint8Array): MetaCheckpoint {
  // A Node Buffer (what readFileSync returns) is a view into a shared pool and its slice() is a view too; the
  // codec reads tensors from `slice().buffer` at offset 0, so hand it a plain Uint8Array of its own.
  const own =
    Object.getPrototypeOf(data) === Uint8Array.prototype &&
    data.byteOffset === 0 &&
    data.byteLength === data.buffer.byteLength
      ? data
      : new Uint8Array(data);
  const { json, bytes } = unpackBinaryFile(own);
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new L2oError('INVALID_DATA', 'checkpoint: not an l2o checkpoint');
  const o = json as Record<string, unknown>;
  if (o['kind'] !== CHECKPOINT_KIND)
    throw new L2oError('INVALID_DATA', `checkpoint: not an l2o meta-training checkpoint (kind ${String(o['kind'])})`);
  const version = field<number>(o, 'version', (v) => typeof v === 'number', 'a number');
  if (version > CHECKPOINT_VERSION) {
    throw new L2oError(
      'INCOMPATIBLE',
      `checkpoint: written by a newer l2o (version ${version}); this l2o reads up to ${CHECKPOINT_VERSION}`,
    );
  }
  const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  const isInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
  // Check every plain field before creating tensors, so a bad file leaks nothing.
  const epoch = field<number>(o, 'epoch', isInt, 'a non-negative integer');
  const bestEpoch = field<number>(o, 'bestEpoch', isInt, 'a non-negative integer');
  const bv = field<number | null>(o, 'bestValidation', (v) => v === null || isNum(v), 'a finite number or null');
  const history = readHistory(o['history']);
  const wallSeconds = field<number>(o, 'wallSeconds', isNum, 'a number');
  const skippedUnrolls = field<number>(o, 'skippedUnrolls', isInt, 'a non-negative integer');
  const fingerprint = field<MetaCheckpoint['fingerprint']>(
    o,
    'fingerprint',
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    'an object',
  );
  const decoded = decodeContainer(
    field<JsonValue>(o, 'tensors', (v) => typeof v === 'object' && v !== null, 'an object'),
    bytes,
  );
  const parts = decoded as { phi?: unknown; metaState?: unknown; best?: unknown; run?: ContainerValue };
  const isTensorMap = (v: unknown): boolean =>
    typeof v === 'object' && v !== null && Object.values(v).every((t) => t instanceof tf.Tensor);
  if (!isTensorMap(parts.phi) || !isTensorMap(parts.best) || parts.metaState === undefined) {
    tf.dispose(decoded as tf.TensorContainer);
    throw new L2oError(
      'INVALID_DATA',
      'checkpoint: field "tensors" must hold phi and best (maps of tensors) and metaState',
    );
  }
  return {
    epoch,
    bestEpoch,
    bestValidation: bv === null ? Number.POSITIVE_INFINITY : bv,
    history,
    wallSeconds,
    skippedUnrolls,
    fingerprint,
    phi: parts.phi as TensorMap,
    metaState: parts.metaState as tf.TensorContainer,
    best: parts.best as TensorMap,
    ...(parts.run !== undefined ? { run: parts.run } : {}),
  };
}
