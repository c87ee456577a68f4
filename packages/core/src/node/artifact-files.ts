import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { disposeMap, type JsonObject, L2oError, L2oIoError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import {
  type ArtifactInput,
  type ArtifactManifest,
  checkMetaParamsFit,
  decodeArtifact,
  encodeArtifact,
  encodeLearned,
  ioError,
  type JsonValue,
  learnedFromArtifact,
  type LearnedToSave,
  type LoadedLearned,
  type LoadLearnedOptions,
  MANIFEST_FILE,
  parseArtifactManifest,
  WEIGHTS_FILE,
} from '@l2o/core/extend';
import { atomicLeftovers, writeDirAtomic } from './atomic-write.js';

/** Writes an artifact directory (`manifest.json` + `weights.bin`) atomically, replacing `dir`. Returns the manifest. */
export function saveArtifact(dir: string, input: ArtifactInput): ArtifactManifest {
  return writeArtifactDir(dir, encodeArtifact(input));
}

function writeArtifactDir(
  dir: string,
  artifact: { manifest: ArtifactManifest; weights: Uint8Array },
): ArtifactManifest {
  writeDirAtomic(dir, {
    [MANIFEST_FILE]: `${JSON.stringify(artifact.manifest, null, 2)}\n`,
    [WEIGHTS_FILE]: artifact.weights,
  });
  return artifact.manifest;
}

/**
 * Saves a learned optimizer of any kind (its kind, config and φ; core's `encodeLearned`) as an artifact directory,
 * replacing `dir` atomically. φ must fit the architecture. Returns the manifest written.
 */
export function saveLearned(dir: string, input: LearnedToSave, source = 'saveLearned'): ArtifactManifest {
  return writeArtifactDir(dir, encodeLearned(input, source));
}

/**
 * Loads an artifact directory of any registered kind: the manifest's kind picks the architecture (core's
 * registry of kinds), its config rebuilds it, and the weights must be exactly its meta-parameters (errors name
 * the directory, the kind and the weights that differ). `options.expect` refuses other kinds and types the
 * result. The caller owns `metaParams`; on any error nothing is left allocated.
 */
export function loadLearned<L extends LearnedOptimizer = LearnedOptimizer>(
  dir: string,
  options: LoadLearnedOptions<L> = {},
): LoadedLearned<L> {
  return learnedFromArtifact(loadArtifact(dir), dir, options);
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
    throw new L2oError(
      'INVALID_DATA',
      `loadArtifact: invalid JSON in ${manifestPath}: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
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
 * Loads an artifact directory and rebuilds its learned optimizer with `build(kind, config)` (for kinds outside
 * core's registry; {@link loadLearned} uses the registry), checked with {@link checkMetaParamsFit}. The caller owns `metaParams`; on any error
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
