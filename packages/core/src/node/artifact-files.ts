import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { L2oIoError, disposeMap, type JsonObject, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import {
  MANIFEST_FILE,
  WEIGHTS_FILE,
  checkMetaParamsFit,
  decodeArtifact,
  encodeArtifact,
  ioError,
  parseArtifactManifest,
  type ArtifactInput,
  type ArtifactManifest,
  type JsonValue,
} from '@l2o/core/extend';
import { atomicLeftovers, writeDirAtomic } from './atomic-write.js';

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
  const what = 'load learned optimizer';
  if (!existsSync(target)) {
    const old = atomicLeftovers(dirname(target), target).find((l) => l.kind === 'old');
    const hint = old
      ? `; an interrupted save left the previous copy at ${old.path} (the next save, or recoverDirAtomic, restores it)`
      : '';
    throw new L2oIoError(what, target, `the directory does not exist${hint}`, 'ENOENT');
  }
  if (!statSync(target).isDirectory()) {
    throw new L2oIoError(
      what,
      target,
      `not a directory; an artifact is a directory with ${MANIFEST_FILE} and ${WEIGHTS_FILE}`,
      'ENOTDIR',
    );
  }
  const manifestPath = join(target, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new L2oIoError(
      what,
      target,
      `${manifestPath} is missing; this is not a learned-optimizer artifact`,
      'ENOENT',
    );
  }
  let text: string;
  try {
    text = readFileSync(manifestPath, 'utf8');
  } catch (e) {
    throw ioError('read', manifestPath, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new Error(`loadArtifact: invalid JSON in ${manifestPath}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const m = parseArtifactManifest(json, manifestPath);
  const weightsPath = join(target, m.weightsFile);
  if (!existsSync(weightsPath)) {
    throw new L2oIoError(what, target, `${weightsPath} is missing (listed by ${manifestPath})`, 'ENOENT');
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(weightsPath));
  } catch (e) {
    throw ioError('read', weightsPath, e);
  }
  return decodeArtifact(json, bytes, target);
}

/**
 * Loads an artifact directory and rebuilds its learned optimizer with `build(kind, config)` (for instance a
 * registry of kinds), checked with {@link checkMetaParamsFit}. The caller owns `metaParams`; on any error
 * nothing is left allocated.
 */
export function loadLearnedArtifact(
  dir: string,
  build: (kind: string, config: JsonObject) => LearnedOptimizer,
): { learned: LearnedOptimizer; metaParams: TensorMap; manifest: ArtifactManifest } {
  const { manifest, metaParams } = loadArtifact(dir);
  try {
    const learned = build(manifest.kind, manifest.config);
    checkMetaParamsFit(learned, metaParams, manifest.kind, resolve(dir));
    return { learned, metaParams, manifest };
  } catch (e) {
    disposeMap(metaParams);
    throw e;
  }
}
