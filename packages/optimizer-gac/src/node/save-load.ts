import * as tf from '@tensorflow/tfjs';
import { checkMetaParamsFit } from '@l2o/core/extend';
import { loadArtifact, saveArtifact } from '@l2o/core/node';
import type { JsonObject, LearnedOptimizer, TensorMap } from '@l2o/core';
import type { ArtifactManifest } from '@l2o/core/extend';
import { checkLstmMetaParams } from '@l2o/optimizer-lstm/extend';
import {
  GAC_KIND,
  gacOptimizer,
  lstmPartOf,
  resolveGacConfig,
  type GacConfig,
  type GacState,
} from '@l2o/optimizer-gac';

/**
 * Saves a trained LSTM+GAC optimizer (config + φ) as a learned-optimizer artifact directory (core's
 * `saveArtifact`: `manifest.json` + `weights.bin`), replacing `dir` atomically. Returns the manifest written.
 */
export function saveGacOptimizer(
  dir: string,
  opts: { learned: LearnedOptimizer<GacState, GacConfig>; metaParams: TensorMap; training?: JsonObject },
): ArtifactManifest {
  const { learned, metaParams, training } = opts;
  if (learned.kind !== GAC_KIND) {
    throw new Error(`saveGacOptimizer: learned.kind is "${learned.kind}"; this function saves kind "${GAC_KIND}" only`);
  }
  const config = resolveGacConfig(learned.config, 'saveGacOptimizer: learned.config');
  checkLstmMetaParams(metaParams, lstmPartOf(config), 'saveGacOptimizer: metaParams');
  return saveArtifact(dir, {
    kind: GAC_KIND,
    name: learned.name,
    config,
    metaParams,
    ...(training !== undefined ? { training } : {}),
  });
}

/**
 * Loads an LSTM+GAC optimizer saved by {@link saveGacOptimizer}: validates the artifact (format, version,
 * checksums), its kind (must be "lstm-gac"), its config and the shapes of φ. The caller owns `metaParams`.
 */
export function loadGacOptimizer(dir: string): {
  learned: LearnedOptimizer<GacState, GacConfig>;
  metaParams: TensorMap;
  manifest: ArtifactManifest;
} {
  const { manifest, metaParams } = loadArtifact(dir);
  try {
    if (manifest.kind !== GAC_KIND) {
      throw new Error(
        `loadGacOptimizer: ${dir} holds a learned optimizer of kind "${manifest.kind}"; loadGacOptimizer reads kind "${GAC_KIND}"`,
      );
    }
    const config = resolveGacConfig(manifest.config, `loadGacOptimizer: ${dir}: manifest field "config"`);
    checkLstmMetaParams(metaParams, lstmPartOf(config), `loadGacOptimizer: ${dir}: weights`);
    const learned = gacOptimizer(config);
    checkMetaParamsFit(learned as unknown as LearnedOptimizer, metaParams, manifest.kind, dir);
    return { learned, metaParams, manifest };
  } catch (e) {
    tf.dispose(Object.values(metaParams));
    throw e;
  }
}
