import { type JsonObject, L2oError, type TensorMap } from '@l2o/core';
import {
  type ContainerValue,
  decodeContainer,
  encodeContainer,
  type JsonValue,
  L2O_CORE_VERSION,
  packBinaryFile,
  unpackBinaryFile,
} from '@l2o/core/extend';

/**
 * The wire format between a learner and its workers. Bumped on any change a worker of another version would
 * misread; a worker refuses jobs of another protocol or l2o version with a message naming both.
 */
export const DISTRIBUTED_PROTOCOL = 1;
/** The l2o version workers and learners must share (results are only bit-identical under the same code). */
export const L2O_VERSION = L2O_CORE_VERSION;
/** Default prefix of every Redis key l2o writes (BullMQ's queue keys included). */
export const DEFAULT_PREFIX = 'l2o';
/** Name of the BullMQ queue (under the prefix) that carries the meta-step jobs. */
export const QUEUE_NAME = 'jobs';

/** Who may use a Redis: written once (first learner or worker), checked by every later one. */
export interface DeploymentMarker {
  readonly protocol: number;
  readonly l2oVersion: string;
}

/**
 * What a worker needs to rebuild a run's learned optimizer, task family and estimator (stored once per run in
 * Redis). `task` is the caller's own description (e.g. the CLI's flags), handed to the worker's `resolveRun`.
 */
export interface RunSpec {
  readonly protocol: number;
  readonly l2oVersion: string;
  readonly runId: string;
  /** The learner's tensor backend: workers on another backend give results that differ in the last bits. */
  readonly backend: string;
  readonly task: JsonObject;
  /** The estimator's `config` (core's `estimatorFromConfig` rebuilds it). */
  readonly estimator: JsonObject;
}

/** The JSON data of one BullMQ job: one slot of one meta-step. φ and the slot's tensors live in their own keys. */
export interface JobData {
  readonly protocol: number;
  readonly l2oVersion: string;
  readonly runId: string;
  readonly metaStep: number;
  /** `${metaStep}-${crc32 of φ's bytes}`: results computed under another φ are discarded. */
  readonly phiVersion: string;
  readonly index: number;
  /** CRC-32 (hex) of the slot's bytes. */
  readonly slotHash: string;
}

/** Redis keys of a run. */
export function runKeys(prefix: string, runId: string) {
  const base = `${prefix}:run:${runId}`;
  return {
    spec: `${base}:spec`,
    phi: (version: string) => `${base}:phi:${version}`,
    slot: (metaStep: number, index: number) => `${base}:slot:${metaStep}:${index}`,
    result: (jobId: string) => `${base}:result:${jobId}`,
    /** List the workers push finished job ids to (the learner's wake-up). */
    done: `${base}:done`,
  };
}

export const markerKey = (prefix: string): string => `${prefix}:deployment`;

/** A job's id: the same slot of the same meta-step under the same φ is the same job (idempotent re-submission). */
export function jobIdOf(d: Pick<JobData, 'runId' | 'metaStep' | 'index' | 'phiVersion' | 'slotHash'>): string {
  return `${d.runId}.${d.metaStep}.${d.index}.${d.phiVersion}.${d.slotHash}`;
}

export const hex = (n: number): string => n.toString(16).padStart(8, '0');

/** Checks a run id: letters, digits, '_' and '-' only (it is part of Redis keys and job ids). */
export function checkRunId(runId: string, field = 'runId'): string {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(runId)) {
    throw new L2oError(
      'INVALID_OPTION',
      `${field}: must be 1–100 letters, digits, '_' or '-', got ${JSON.stringify(runId)}`,
    );
  }
  return runId;
}

/** A container as one CRC-checked frame (core's binary framing). */
export function packContainer(header: JsonObject, value: ContainerValue): Uint8Array {
  const { json, bytes } = encodeContainer(value);
  return packBinaryFile({ ...header, value: json }, bytes);
}

/** Inverse of {@link packContainer}: throws on a corrupt or truncated frame (checksum). The caller owns the tensors. */
export function unpackContainer(data: Uint8Array): { header: JsonObject; value: ContainerValue } {
  const { json, bytes } = unpackBinaryFile(data);
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new L2oError('INVALID_DATA', 'not an l2o distributed frame');
  const { value, ...header } = json as JsonObject;
  return { header, value: decodeContainer((value ?? null) as JsonValue, bytes) };
}

/** The CRC-32 a frame of core's binary framing ends with (of every byte before it): the frame's identity. */
export function frameCrc(frame: Uint8Array): number {
  return new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(frame.byteLength - 4, true);
}

/** φ's frame and version for meta-step `metaStep`. */
export function packPhi(phi: TensorMap, metaStep: number): { frame: Uint8Array; version: string } {
  const frame = packContainer({ kind: 'phi', metaStep }, phi as unknown as ContainerValue);
  return { frame, version: `${metaStep}-${hex(frameCrc(frame))}` };
}

/** Losses as JSON: NaN and ±Infinity become strings (JSON has no literal for them). */
export function lossesToJson(losses: readonly number[]): JsonValue[] {
  return losses.map((v) => (Number.isFinite(v) ? v : String(v)));
}

export function lossesFromJson(v: unknown): number[] {
  if (!Array.isArray(v)) throw new L2oError('INVALID_DATA', 'result: losses must be an array');
  return v.map((x) => (typeof x === 'number' ? x : Number(x)));
}
