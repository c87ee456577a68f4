import * as tf from '@tensorflow/tfjs';
import type { JsonValue, TensorMap } from './types.js';
import {
  ARTIFACT_FORMAT,
  L2O_CORE_VERSION,
  MANIFEST_FILE,
  WEIGHTS_FILE,
  decodeArtifactAsync,
  encodeArtifact,
  type ArtifactInput,
  type ArtifactManifest,
} from './serialization.js';
import { L2oError } from './l2o-error.js';

/** Where an artifact is read from or written to through tf.io: a URL (`indexeddb://`, `http(s)://`, …) or a handler. */
export type ArtifactLocation = string | tf.io.IOHandler;

/** The `modelTopology` of tf.io model artifacts that carry an l2o learned optimizer. */
interface ArtifactTopology {
  readonly l2oArtifact: ArtifactManifest;
}

function handlerFor(location: ArtifactLocation, mode: 'load' | 'save', where: string): tf.io.IOHandler {
  if (typeof location !== 'string') {
    if (location === null || typeof location !== 'object' || typeof location[mode] !== 'function') {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: the location must be a URL string or a tf.io handler with a ${mode}() method`,
      );
    }
    return location;
  }
  const handlers = mode === 'load' ? tf.io.getLoadHandlers(location) : tf.io.getSaveHandlers(location);
  if (handlers.length === 0) {
    throw new L2oError(
      'UNSUPPORTED',
      `${where}: no tf.io ${mode} handler for "${location}"; use a URL tfjs knows here (indexeddb://, localstorage://, ` +
        `http(s)://${mode === 'save' ? ', downloads://' : ''}; file:// with tfjs-node), or pass a tf.io handler`,
    );
  }
  if (handlers.length > 1)
    throw new L2oError('INVALID_OPTION', `${where}: more than one tf.io ${mode} handler for "${location}"`);
  return handlers[0]!;
}

function concatWeightData(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Saves a learned optimizer's artifact through tf.io (`model.save`'s storage): `indexeddb://name`,
 * `localstorage://name`, `downloads://name`, an `http(s)://` POST, `tf.io.withSaveHandler(...)`, or any handler.
 * The manifest travels as `modelTopology.l2oArtifact`, φ as the weights. Returns the manifest.
 */
export async function saveArtifactTo(destination: ArtifactLocation, input: ArtifactInput): Promise<ArtifactManifest> {
  const where = 'saveArtifactTo';
  const handler = handlerFor(destination, 'save', where);
  const { manifest, weights } = encodeArtifact(input);
  const topology: ArtifactTopology = { l2oArtifact: manifest };
  const result = await handler.save!({
    modelTopology: topology as unknown as object,
    format: ARTIFACT_FORMAT,
    generatedBy: `@l2o/core ${L2O_CORE_VERSION}`,
    convertedBy: null,
    weightSpecs: manifest.weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' as const })),
    weightData: weights.slice().buffer,
  });
  if (result.errors !== undefined && result.errors.length > 0) {
    throw new L2oError('IO', `${where}: the tf.io handler reported: ${result.errors.map(String).join('; ')}`);
  }
  return manifest;
}

async function fetchBytes(url: string, where: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new L2oError('IO', `${where}: GET ${url} answered ${res.status} ${res.statusText}`);
  return new Uint8Array(await res.arrayBuffer());
}

/**
 * Loads a learned optimizer's artifact through tf.io: what {@link saveArtifactTo} wrote (`indexeddb://`,
 * `localstorage://`, `http(s)://…/model.json`, `tf.io.fromMemory(...)`, any handler), or an artifact folder served
 * over HTTP (a URL ending in `manifest.json`, its `weights.bin` beside it). Checks everything `decodeArtifact`
 * checks (the SHA-256 by Web Crypto where present). The caller owns `metaParams`.
 */
export async function loadArtifactFrom(
  source: ArtifactLocation,
): Promise<{ manifest: ArtifactManifest; metaParams: TensorMap }> {
  const where = 'loadArtifactFrom';
  if (typeof source === 'string' && /^https?:\/\//.test(source) && source.endsWith(`/${MANIFEST_FILE}`)) {
    const manifest = JSON.parse(new TextDecoder().decode(await fetchBytes(source, where))) as JsonValue;
    const weightsUrl = `${source.slice(0, -MANIFEST_FILE.length)}${WEIGHTS_FILE}`;
    return decodeArtifactAsync(manifest, await fetchBytes(weightsUrl, where), source);
  }
  const name = typeof source === 'string' ? source : 'tf.io handler';
  const handler = handlerFor(source, 'load', where);
  const artifacts = await handler.load!();
  const topology = artifacts.modelTopology as Partial<ArtifactTopology> | undefined;
  if (topology === undefined || topology === null || typeof topology !== 'object' || !('l2oArtifact' in topology)) {
    throw new L2oError(
      'INVALID_DATA',
      `${where}: ${name} holds no l2o learned optimizer (its modelTopology has no "l2oArtifact"; a tfjs model?)`,
    );
  }
  return decodeArtifactAsync(topology.l2oArtifact, concatWeightData(artifacts.weightData), name);
}
