import * as tf from '@tensorflow/tfjs';
import { checkMetaParamsFit } from '@l2o/core/extend';
import type { JsonObject, LearnedOptimizer, TensorMap } from '@l2o/core';
import type { ArtifactManifest } from '@l2o/core/extend';
import { loadArtifact, saveArtifact } from '@l2o/core/node';
import { LSTM_KIND, lstmOptimizer, resolveLstmConfig, type LstmConfig, type LstmState } from '@l2o/optimizer-lstm';
import { checkLstmMetaParams } from '@l2o/optimizer-lstm/extend';

/**
 * Saves a trained LSTM optimizer (config + φ) as a learned-optimizer artifact directory (`manifest.json` +
 * `weights.bin`, see docs/artifact-format.md), replacing `dir` atomically. Returns the manifest written.
 */
export function saveLstmOptimizer(
  dir: string,
  opts: {
    learned: LearnedOptimizer<LstmState, LstmConfig>;
    metaParams: TensorMap;
    training?: JsonObject;
  },
): ArtifactManifest {
  const { learned, metaParams, training } = opts;
  if (learned.kind !== LSTM_KIND) {
    throw new Error(
      `saveLstmOptimizer: learned.kind is "${learned.kind}"; this function saves kind "${LSTM_KIND}" only`,
    );
  }
  const config = resolveLstmConfig(learned.config, 'saveLstmOptimizer: learned.config');
  checkLstmMetaParams(metaParams, config, 'saveLstmOptimizer: metaParams');
  return saveArtifact(dir, {
    kind: LSTM_KIND,
    name: learned.name,
    config,
    metaParams,
    ...(training !== undefined ? { training } : {}),
  });
}

/**
 * Loads an LSTM optimizer saved by {@link saveLstmOptimizer}: validates the artifact (format, version,
 * checksums), its kind (must be "lstm"), its config and the shapes of φ. The caller owns `metaParams`.
 */
export function loadLstmOptimizer(dir: string): {
  learned: LearnedOptimizer<LstmState, LstmConfig>;
  metaParams: TensorMap;
  manifest: ArtifactManifest;
} {
  const { manifest, metaParams } = loadArtifact(dir);
  try {
    if (manifest.kind !== LSTM_KIND) {
      throw new Error(
        `loadLstmOptimizer: ${dir} holds a learned optimizer of kind "${manifest.kind}"; loadLstmOptimizer reads kind "${LSTM_KIND}"`,
      );
    }
    const config = resolveLstmConfig(manifest.config, `loadLstmOptimizer: ${dir}: manifest field "config"`);
    checkLstmMetaParams(metaParams, config, `loadLstmOptimizer: ${dir}: weights`);
    const learned = lstmOptimizer(config);
    checkMetaParamsFit(learned as unknown as LearnedOptimizer, metaParams, manifest.kind, dir);
    return { learned, metaParams, manifest };
  } catch (e) {
    tf.dispose(Object.values(metaParams));
    throw e;
  }
}
