import * as tf from '@tensorflow/tfjs';
import { LITTLE_ENDIAN, swap4InPlace } from './container-codec.js';
import { Rng } from './rng.js';
import { disposeMap, orderedKeys } from './tensor-map.js';
import { sha256Hex, sha256HexAsync } from './sha256.js';
import type { JsonObject, LearnedOptimizer, TensorMap } from './types.js';
import { L2O_CORE_VERSION } from './version.js';
import { L2oError } from './l2o-error.js';

/** The `format` string of a learned-optimizer artifact (see docs/artifact-format.md). */
export const ARTIFACT_FORMAT = 'l2o-learned-optimizer';
/** The newest artifact format version this build reads and the one it writes. */
export const ARTIFACT_FORMAT_VERSION = 1;
export { L2O_CORE_VERSION };
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
  /**
   * Binds `kind`, `config` and the weight table to each other: the kind the artifact was saved as, and the
   * SHA-256 of the canonical JSON of `{ kind, config, weights, weightsSha256 }`. A manifest whose kind, config or
   * weight table was edited after saving is refused (naming both kinds). Always written; optional when reading
   * (artifacts written before it existed lack it).
   */
  readonly binding?: { readonly kind: string; readonly sha256: string };
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

/** JSON with object keys sorted at every level, so that the digest does not depend on key order. */
function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function bindingDigest(
  kind: string,
  config: JsonObject,
  weights: readonly ArtifactWeightEntry[],
  weightsSha256: string,
): string {
  const table = weights.map((w) => ({
    name: w.name,
    shape: w.shape,
    dtype: w.dtype,
    offset: w.offset,
    length: w.length,
  }));
  return sha256Hex(canonicalJson({ kind, config, weights: table, weightsSha256 }));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Throws unless `v` is JSON that survives a round trip (finite numbers, plain objects, no undefined). */
function assertJson(v: unknown, path: string): void {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new L2oError('INVALID_OPTION', `${path} must be JSON: ${v} is not a finite number`);
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
  throw new L2oError('INVALID_OPTION', `${path} must be JSON: found ${v === undefined ? 'undefined' : typeof v}`);
}

/**
 * Packs a learned optimizer's meta-parameters into a manifest and the bytes of `weights.bin`
 * (tensors in sorted-name order, float32 little-endian, back to back). Reads tensor data synchronously.
 */
export function encodeArtifact(input: ArtifactInput): { manifest: ArtifactManifest; weights: Uint8Array } {
  const where = 'encodeArtifact';
  if (typeof input.kind !== 'string' || input.kind.length === 0)
    throw new L2oError('INVALID_OPTION', `${where}: kind must be a non-empty string`);
  if (typeof input.name !== 'string') throw new L2oError('INVALID_OPTION', `${where}: name must be a string`);
  if (!isPlainObject(input.config)) throw new L2oError('INVALID_OPTION', `${where}: config must be a JSON object`);
  assertJson(input.config, `${where}: config`);
  if (input.training !== undefined) {
    if (!isPlainObject(input.training))
      throw new L2oError('INVALID_OPTION', `${where}: training must be a JSON object`);
    assertJson(input.training, `${where}: training`);
  }
  const keys = orderedKeys(input.metaParams);
  const entries: ArtifactWeightEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const k of keys) {
    const t = input.metaParams[k]!;
    if (t.dtype !== 'float32') {
      throw new L2oError(
        'SHAPE_MISMATCH',
        `${where}: meta-parameter "${k}" has dtype "${t.dtype}"; allowed dtype: float32`,
      );
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
  const config = JSON.parse(JSON.stringify(input.config)) as JsonObject;
  const weightsSha256 = sha256Hex(weights);
  const manifest: ArtifactManifest = {
    format: ARTIFACT_FORMAT,
    formatVersion: ARTIFACT_FORMAT_VERSION,
    kind: input.kind,
    name: input.name,
    config,
    weights: entries,
    weightsFile: WEIGHTS_FILE,
    weightsSha256,
    binding: { kind: input.kind, sha256: bindingDigest(input.kind, config, entries, weightsSha256) },
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
    throw new L2oError('INVALID_DATA', `${source}: ${msg}`);
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
  const binding = m['binding'];
  if (
    binding !== undefined &&
    (!isPlainObject(binding) ||
      typeof binding['kind'] !== 'string' ||
      typeof binding['sha256'] !== 'string' ||
      !/^[0-9a-f]{64}$/.test(binding['sha256']))
  ) {
    return fail('field "binding" must be an object {kind: string, sha256: 64 lower-case hex digits} when present');
  }
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
  // Every byte of weights.bin belongs to at most one tensor: overlapping entries would load shared bytes twice.
  const byOffset = [...weights].sort((a, b) => a.offset - b.offset || a.length - b.length);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1]!;
    const cur = byOffset[i]!;
    if (cur.length > 0 && prev.length > 0 && cur.offset < prev.offset + prev.length) {
      return fail(
        `field "weights": "${cur.name}" (bytes ${cur.offset}…${cur.offset + cur.length}) overlaps "${prev.name}" (bytes ${prev.offset}…${prev.offset + prev.length}); entries must cover disjoint byte ranges`,
      );
    }
  }
  return {
    format: ARTIFACT_FORMAT,
    formatVersion: v,
    kind,
    name,
    config: config as JsonObject,
    weights,
    weightsFile: WEIGHTS_FILE,
    weightsSha256: sha,
    ...(binding !== undefined ? { binding: { kind: String(binding['kind']), sha256: String(binding['sha256']) } } : {}),
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
  return decodeWithDigest(manifest, weights, source, sha256Hex);
}

/**
 * {@link decodeArtifact} with the weights' SHA-256 computed by Web Crypto (`crypto.subtle`) where the runtime has
 * it: for large artifacts fetched over the network (browsers, `loadLearnedOptimizer`). The caller owns the tensors.
 */
export async function decodeArtifactAsync(
  manifest: unknown,
  weights: Uint8Array,
  source = 'decodeArtifact',
): Promise<{ manifest: ArtifactManifest; metaParams: TensorMap }> {
  parseArtifactManifest(manifest, source);
  const digest = await sha256HexAsync(weights);
  return decodeWithDigest(manifest, weights, source, () => digest);
}

function decodeWithDigest(
  manifest: unknown,
  weights: Uint8Array,
  source: string,
  digestOf: (bytes: Uint8Array) => string,
): { manifest: ArtifactManifest; metaParams: TensorMap } {
  const m = parseArtifactManifest(manifest, source);
  if (m.binding !== undefined) {
    if (m.binding.kind !== m.kind) {
      throw new L2oError(
        'INCOMPATIBLE',
        `${source}: field "kind" says "${m.kind}", but the artifact was saved as kind "${m.binding.kind}" (its weights are "${m.binding.kind}" weights); restore "kind": "${m.binding.kind}"`,
      );
    }
    if (bindingDigest(m.kind, m.config, m.weights, m.weightsSha256) !== m.binding.sha256) {
      throw new L2oError(
        'INVALID_DATA',
        `${source}: the manifest was changed after saving: its "config" or "weights" table no longer matches field "binding" (kind "${m.kind}")`,
      );
    }
  }
  const end = m.weights.reduce((e, w) => Math.max(e, w.offset + w.length), 0);
  if (weights.length !== end) {
    throw new L2oError(
      'INVALID_DATA',
      `${source}: corrupt weights: ${WEIGHTS_FILE} has ${weights.length} bytes, the manifest describes ${end}` +
        (weights.length < end ? ' (truncated file?)' : ''),
    );
  }
  const sha = digestOf(weights);
  if (sha !== m.weightsSha256) {
    throw new L2oError(
      'CHECKSUM_MISMATCH',
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

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks that `metaParams` are meta-parameters of `learned`: exactly the names and shapes its
 * `initMetaParams` produces, and that `learned.kind` is `kind` (the kind an artifact was saved as). Every
 * loader of saved learned optimizers calls this after rebuilding the architecture from the manifest, so an
 * artifact whose `kind` (or config) was changed, or whose weights belong to another architecture, is refused
 * instead of running with the wrong weights. Errors start with `source` and name both kinds, or the weights
 * that differ.
 */
export function checkMetaParamsFit(
  learned: LearnedOptimizer,
  metaParams: TensorMap,
  kind: string,
  source: string,
): void {
  if (learned.kind !== kind) {
    throw new L2oError(
      'INCOMPATIBLE',
      `${source}: saved as kind "${kind}", but its config rebuilds a learned optimizer of kind "${learned.kind}"`,
    );
  }
  const expected = learned.initMetaParams(Rng.seeded(0));
  const want = new Map(Object.entries(expected).map(([k, t]) => [k, [...t.shape]]));
  disposeMap(expected);
  const problems: string[] = [];
  const missing = [...want.keys()].filter((k) => !(k in metaParams));
  const extra = Object.keys(metaParams).filter((k) => !want.has(k));
  if (missing.length > 0) problems.push(`missing ${missing.map((k) => `"${k}"`).join(', ')}`);
  if (extra.length > 0) problems.push(`unexpected ${extra.map((k) => `"${k}"`).join(', ')}`);
  for (const [k, shape] of want) {
    const t = metaParams[k];
    if (t !== undefined && shapeText(t.shape) !== shapeText(shape)) {
      problems.push(`"${k}" has shape ${shapeText(t.shape)} where kind "${kind}" needs ${shapeText(shape)}`);
    }
  }
  if (problems.length > 0) {
    const shown = problems.length > 6 ? [...problems.slice(0, 6), `… (${problems.length - 6} more)`] : problems;
    throw new L2oError(
      'INCOMPATIBLE',
      `${source}: the weights do not belong to kind "${kind}" (${learned.name}) with this config: ${shown.join('; ')}`,
    );
  }
}
