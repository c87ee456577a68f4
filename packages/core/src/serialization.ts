import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { atomicDirSiblings, writeDirAtomic } from './atomic-write.js';
import { LITTLE_ENDIAN, swap4InPlace } from './container-codec.js';
import { orderedKeys } from './tensor-map.js';
import type { JsonObject, JsonValue, TensorMap } from './types.js';

/** The `format` string of a learned-optimizer artifact (see docs/artifact-format.md). */
export const ARTIFACT_FORMAT = 'l2o-learned-optimizer';
/** The newest artifact format version this build reads and the one it writes. */
export const ARTIFACT_FORMAT_VERSION = 1;
/** Version of @l2o/core written into artifacts (kept equal to package.json by a test). */
export const L2O_CORE_VERSION = '0.1.0';
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';

/** One meta-parameter tensor inside `weights.bin`: little-endian float32 at bytes [offset, offset + length). */
export interface ArtifactWeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32';
  readonly offset: number;
  readonly length: number;
}

/** The `manifest.json` of a learned-optimizer artifact. */
export interface ArtifactManifest {
  readonly format: typeof ARTIFACT_FORMAT;
  readonly formatVersion: number;
  /** The architecture (`LearnedOptimizer.kind`), e.g. `"lstm"`. */
  readonly kind: string;
  readonly name: string;
  /** Everything needed to rebuild the architecture (`LearnedOptimizer.config`). */
  readonly config: JsonObject;
  readonly weights: readonly ArtifactWeightEntry[];
  readonly weightsFile: typeof WEIGHTS_FILE;
  /** Lower-case hex SHA-256 of the weights file. */
  readonly weightsSha256: string;
  /** Free metadata about how φ was obtained (data, epochs, wall time, results). */
  readonly training?: JsonObject;
  /** ISO 8601 time of writing. */
  readonly createdAt: string;
  readonly library: { readonly name: string; readonly version: string };
}

export interface ArtifactInput {
  readonly kind: string;
  readonly name: string;
  readonly config: JsonObject;
  readonly metaParams: TensorMap;
  readonly training?: JsonObject;
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Throws unless `v` is JSON that survives a round trip (finite numbers, plain objects, no undefined). */
function assertJson(v: unknown, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`${path} must be JSON: ${v} is not a finite number`);
    return;
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => assertJson(x, `${path}[${i}]`));
    return;
  }
  if (isPlainObject(v) && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    for (const [k, x] of Object.entries(v)) assertJson(x, `${path}.${k}`);
    return;
  }
  throw new Error(`${path} must be JSON: found ${v === undefined ? 'undefined' : typeof v}`);
}

/**
 * Packs a learned optimizer's meta-parameters into a manifest and the bytes of `weights.bin`
 * (tensors in sorted-name order, float32 little-endian, back to back). Reads tensor data synchronously.
 */
export function encodeArtifact(input: ArtifactInput): { manifest: ArtifactManifest; weights: Uint8Array } {
  const where = 'encodeArtifact';
  if (typeof input.kind !== 'string' || input.kind.length === 0)
    throw new Error(`${where}: kind must be a non-empty string`);
  if (typeof input.name !== 'string') throw new Error(`${where}: name must be a string`);
  if (!isPlainObject(input.config)) throw new Error(`${where}: config must be a JSON object`);
  assertJson(input.config, `${where}: config`);
  if (input.training !== undefined) {
    if (!isPlainObject(input.training)) throw new Error(`${where}: training must be a JSON object`);
    assertJson(input.training, `${where}: training`);
  }
  const keys = orderedKeys(input.metaParams);
  const entries: ArtifactWeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const k of keys) {
    const t = input.metaParams[k]!;
    if (t.dtype !== 'float32') {
      throw new Error(`${where}: meta-parameter "${k}" has dtype "${t.dtype}"; allowed dtype: float32`);
    }
    const values = t.dataSync() as Float32Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    if (!LITTLE_ENDIAN) swap4InPlace(bytes);
    entries.push({ name: k, shape: [...t.shape], dtype: 'float32', offset, length: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const weights = new Uint8Array(offset);
  let at = 0;
  for (const c of chunks) {
    weights.set(c, at);
    at += c.length;
  }
  const manifest: ArtifactManifest = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    kind: input.kind,
    name: input.name,
    config: JSON.parse(JSON.stringify(input.config)) as JsonObject,
    weights: entries,
    weightsFile: WEIGHTS_FILE,
    weightsSha256: sha256Hex(weights),
    ...(input.training !== undefined ? { training: JSON.parse(JSON.stringify(input.training)) as JsonObject } : {}),
    createdAt: new Date().toISOString(),
    library: { name: '@l2o/core', version: L2O_CORE_VERSION },
  };
  return { manifest, weights };
}

/**
 * Checks that `json` is a manifest this build can read; returns it typed. Every error names the field.
 * `source` (a path) is prefixed to messages.
 */
export function parseArtifactManifest(json: unknown, source = 'manifest'): ArtifactManifest {
  const fail = (msg: string): never => {
    throw new Error(`${source}: ${msg}`);
  };
  if (!isPlainObject(json)) return fail('the manifest must be a JSON object');
  const m = json;
  if (m['format'] !== ARTIFACT_FORMAT) {
    return fail(
      `not an l2o learned-optimizer artifact: field "format" is ${JSON.stringify(m['format'])}, expected "${ARTIFACT_FORMAT}"`,
    );
  }
  const v = m['formatVersion'];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    return fail(`field "formatVersion" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (v > ARTIFACT_FORMAT_VERSION) {
    return fail(
      `written by a newer l2o (format version ${v}); this l2o reads up to ${ARTIFACT_FORMAT_VERSION} — upgrade @l2o/core`,
    );
  }
  const str = (field: string, nonEmpty = false): string => {
    const s = m[field];
    if (typeof s !== 'string' || (nonEmpty && s.length === 0)) {
      return fail(`field "${field}" must be a${nonEmpty ? ' non-empty' : ''} string, got ${JSON.stringify(s)}`);
    }
    return s;
  };
  const kind = str('kind', true);
  const name = str('name');
  const config = m['config'];
  if (!isPlainObject(config)) return fail('field "config" must be a JSON object');
  const weightsFile = str('weightsFile');
  if (weightsFile !== WEIGHTS_FILE)
    return fail(`field "weightsFile" must be "${WEIGHTS_FILE}", got ${JSON.stringify(weightsFile)}`);
  const sha = str('weightsSha256');
  if (!/^[0-9a-f]{64}$/.test(sha)) return fail('field "weightsSha256" must be 64 lower-case hex digits');
  const createdAt = str('createdAt');
  const lib = m['library'];
  if (!isPlainObject(lib) || typeof lib['name'] !== 'string' || typeof lib['version'] !== 'string') {
    return fail('field "library" must be an object {name: string, version: string}');
  }
  const training = m['training'];
  if (training !== undefined && !isPlainObject(training))
    return fail('field "training" must be a JSON object when present');
  const ws = m['weights'];
  if (!Array.isArray(ws)) return fail('field "weights" must be an array of {name, shape, dtype, offset, length}');
  const seen = new Set<string>();
  const weights: ArtifactWeightEntry[] = ws.map((w: unknown, i): ArtifactWeightEntry => {
    const at = `weights[${i}]`;
    if (!isPlainObject(w)) return fail(`field "${at}" must be an object {name, shape, dtype, offset, length}`);
    const wn = w['name'];
    if (typeof wn !== 'string' || wn.length === 0) return fail(`field "${at}.name" must be a non-empty string`);
    if (seen.has(wn)) return fail(`field "${at}.name": duplicate weight name "${wn}"`);
    seen.add(wn);
    const shape = w['shape'];
    if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
      return fail(`field "${at}.shape" (${wn}) must be an array of non-negative integers`);
    }
    if (w['dtype'] !== 'float32')
      return fail(`field "${at}.dtype" (${wn}) must be "float32", got ${JSON.stringify(w['dtype'])}`);
    const off = w['offset'];
    const len = w['length'];
    if (typeof off !== 'number' || !Number.isInteger(off) || off < 0) {
      return fail(`field "${at}.offset" (${wn}) must be a non-negative integer`);
    }
    const size = (shape as number[]).reduce((a, b) => a * b, 1);
    if (len !== size * 4) {
      return fail(
        `field "${at}.length" (${wn}) must be 4 × the element count of shape [${shape.join(',')}] = ${size * 4}, got ${JSON.stringify(len)}`,
      );
    }
    return { name: wn, shape: shape as number[], dtype: 'float32', offset: off, length: size * 4 };
  });
  return {
    format: ARTIFACT_FORMAT,
    formatVersion: v,
    kind,
    name,
    config: config as JsonObject,
    weights,
    weightsFile: WEIGHTS_FILE,
    weightsSha256: sha,
    ...(training !== undefined ? { training: training as JsonObject } : {}),
    createdAt,
    library: { name: lib['name'], version: lib['version'] },
  };
}

/**
 * Validates a manifest (as parsed JSON) against the weights bytes and rebuilds φ. The caller owns the returned
 * tensors. Errors: not an artifact, newer format version, missing/ill-typed fields (named), corrupt weights.
 */
export function decodeArtifact(
  manifest: unknown,
  weights: Uint8Array,
  source = 'decodeArtifact',
): { manifest: ArtifactManifest; metaParams: TensorMap } {
  const m = parseArtifactManifest(manifest, source);
  const end = m.weights.reduce((e, w) => Math.max(e, w.offset + w.length), 0);
  if (weights.length !== end) {
    throw new Error(
      `${source}: corrupt weights: ${WEIGHTS_FILE} has ${weights.length} bytes, the manifest describes ${end}` +
        (weights.length < end ? ' (truncated file?)' : ''),
    );
  }
  const sha = sha256Hex(weights);
  if (sha !== m.weightsSha256) {
    throw new Error(
      `${source}: corrupt weights: SHA-256 of ${WEIGHTS_FILE} is ${sha}, the manifest records ${m.weightsSha256}`,
    );
  }
  const metaParams: Record<string, tf.Tensor> = {};
  for (const w of m.weights) {
    const raw = weights.slice(w.offset, w.offset + w.length);
    if (!LITTLE_ENDIAN) swap4InPlace(raw);
    metaParams[w.name] = tf.tensor(new Float32Array(raw.buffer, 0, w.length / 4), [...w.shape], 'float32');
  }
  return { manifest: m, metaParams };
}

/** Writes an artifact directory (`manifest.json` + `weights.bin`) atomically, replacing `dir`. Returns the manifest. */
export function saveArtifact(dir: string, input: ArtifactInput): ArtifactManifest {
  const { manifest, weights } = encodeArtifact(input);
  writeDirAtomic(dir, {
    [MANIFEST_FILE]: `${JSON.stringify(manifest, null, 2)}\n`,
    [WEIGHTS_FILE]: weights,
  });
  return manifest;
}

/** Reads and validates an artifact directory. The caller owns the returned tensors. Errors name the path. */
export function loadArtifact(dir: string): { manifest: ArtifactManifest; metaParams: TensorMap } {
  const target = resolve(dir);
  if (!existsSync(target)) {
    const { old } = atomicDirSiblings(target);
    const hint = existsSync(old)
      ? `; an interrupted save left the previous copy at ${old} (the next save, or recoverDirAtomic, restores it)`
      : '';
    throw new Error(`loadArtifact: no learned-optimizer artifact at ${target}: the directory does not exist${hint}`);
  }
  if (!statSync(target).isDirectory()) {
    throw new Error(
      `loadArtifact: ${target} is not a directory; an artifact is a directory with ${MANIFEST_FILE} and ${WEIGHTS_FILE}`,
    );
  }
  const manifestPath = join(target, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new Error(`loadArtifact: ${manifestPath} is missing; ${target} is not a learned-optimizer artifact`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, 'utf8')) as JsonValue;
  } catch (e) {
    throw new Error(`loadArtifact: invalid JSON in ${manifestPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const m = parseArtifactManifest(json, manifestPath);
  const weightsPath = join(target, m.weightsFile);
  if (!existsSync(weightsPath)) throw new Error(`loadArtifact: ${weightsPath} is missing (listed by ${manifestPath})`);
  return decodeArtifact(json, new Uint8Array(readFileSync(weightsPath)), target);
}
