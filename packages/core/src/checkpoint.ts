import * as tf from '@tensorflow/tfjs';
import { decodeContainer, encodeContainer, packBinaryFile, unpackBinaryFile } from './container-codec.js';
import { writeFileAtomic } from './atomic-write.js';
import type { JsonValue, TensorMap } from './types.js';

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
}

const CHECKPOINT_KIND = 'l2o-meta-checkpoint';
const CHECKPOINT_VERSION = 1;

/** Writes a checkpoint atomically: a crash leaves either the previous complete file or the new one. */
export function writeCheckpoint(path: string, ck: MetaCheckpoint): void {
  const { json: tensors, bytes } = encodeContainer({ phi: { ...ck.phi }, metaState: ck.metaState, best: { ...ck.best } });
  const json: JsonValue = {
    kind: CHECKPOINT_KIND,
    version: CHECKPOINT_VERSION,
    epoch: ck.epoch,
    bestEpoch: ck.bestEpoch,
    // JSON has no Infinity: store it as null.
    bestValidation: Number.isFinite(ck.bestValidation) ? ck.bestValidation : null,
    history: ck.history.map((h) => ({ ...h })) as JsonValue,
    wallSeconds: ck.wallSeconds,
    skippedUnrolls: ck.skippedUnrolls,
    fingerprint: { ...ck.fingerprint },
    tensors,
  };
  writeFileAtomic(path, packBinaryFile(json, bytes));
}

function field<T>(obj: Record<string, unknown>, key: string, check: (v: unknown) => boolean, what: string): T {
  const v = obj[key];
  if (!check(v)) throw new Error(`checkpoint: field "${key}" must be ${what}`);
  return v as T;
}

/** Reads a checkpoint written by {@link writeCheckpoint}; a corrupt or foreign file gives a clear error. */
export function readCheckpoint(data: Uint8Array): MetaCheckpoint {
  const { json, bytes } = unpackBinaryFile(data);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error('checkpoint: not an l2o checkpoint');
  const o = json as Record<string, unknown>;
  if (o['kind'] !== CHECKPOINT_KIND) throw new Error(`checkpoint: not an l2o meta-training checkpoint (kind ${String(o['kind'])})`);
  const version = field<number>(o, 'version', (v) => typeof v === 'number', 'a number');
  if (version > CHECKPOINT_VERSION) {
    throw new Error(`checkpoint: written by a newer l2o (version ${version}); this l2o reads up to ${CHECKPOINT_VERSION}`);
  }
  const isNum = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
  const decoded = decodeContainer(o['tensors'] as JsonValue, bytes) as {
    phi: TensorMap;
    metaState: tf.TensorContainer;
    best: TensorMap;
  };
  const bv = o['bestValidation'];
  return {
    epoch: field<number>(o, 'epoch', isNum, 'a number'),
    bestEpoch: field<number>(o, 'bestEpoch', isNum, 'a number'),
    bestValidation: typeof bv === 'number' ? bv : Number.POSITIVE_INFINITY,
    history: field<MetaCheckpoint['history']>(o, 'history', Array.isArray, 'an array'),
    wallSeconds: field<number>(o, 'wallSeconds', isNum, 'a number'),
    skippedUnrolls: field<number>(o, 'skippedUnrolls', isNum, 'a number'),
    fingerprint: field<MetaCheckpoint['fingerprint']>(o, 'fingerprint', (v) => typeof v === 'object' && v !== null, 'an object'),
    phi: decoded.phi,
    metaState: decoded.metaState,
    best: decoded.best,
  };
}
