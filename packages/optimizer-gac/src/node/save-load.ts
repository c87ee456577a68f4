import { type JsonObject, L2oError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import type { ArtifactManifest, LoadedLearned } from '@l2o/core/extend';
import { loadLearned, saveLearned } from '@l2o/core/node';
import { GAC_KIND, GAC_LEARNED_KIND, type GacConfig, type GacState } from '@l2o/optimizer-gac';

/**
 * Saves a trained LSTM+GAC optimizer (config + φ) as a learned-optimizer artifact directory (core's
 * `saveLearned`, for kind `"lstm-gac"` only), replacing `dir` atomically. Returns the manifest written.
 */
export function saveGacOptimizer(
  dir: string,
  opts: { learned: LearnedOptimizer<GacState, GacConfig>; metaParams: TensorMap; training?: JsonObject },
): ArtifactManifest {
  if (opts.learned.kind !== GAC_KIND) {
    throw new L2oError(
      'INVALID_OPTION',
      `saveGacOptimizer: learned.kind is "${opts.learned.kind}"; this function saves kind "${GAC_KIND}" only`,
    );
  }
  return saveLearned(dir, opts, 'saveGacOptimizer');
}

/**
 * Loads an LSTM+GAC optimizer saved by {@link saveGacOptimizer} (core's `loadLearned` for kind `"lstm-gac"`):
 * validates the artifact, its kind, its config and the shapes of φ. The caller owns `metaParams`.
 */
export function loadGacOptimizer(dir: string): LoadedLearned<LearnedOptimizer<GacState, GacConfig>> {
  return loadLearned(dir, { expect: GAC_LEARNED_KIND, reader: 'loadGacOptimizer' });
}
