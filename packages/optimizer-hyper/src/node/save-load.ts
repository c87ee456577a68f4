import { type JsonObject, L2oError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import type { ArtifactManifest, LoadedLearned } from '@l2o/core/extend';
import { loadLearned, saveLearned } from '@l2o/core/node';
import { HYPER_KIND, HYPER_LEARNED_KIND, type HyperConfig, type HyperState } from '@l2o/optimizer-hyper';

/** Saves a hyper optimizer (config + φ) with core's `saveLearned` (kind `"hyper"` only), replacing `dir` atomically. */
export function saveHyperOptimizer(
  dir: string,
  opts: { learned: LearnedOptimizer<HyperState, HyperConfig>; metaParams: TensorMap; training?: JsonObject },
): ArtifactManifest {
  if (opts.learned.kind !== HYPER_KIND) {
    throw new L2oError(
      'INVALID_OPTION',
      `saveHyperOptimizer: learned.kind is "${opts.learned.kind}"; this function saves kind "${HYPER_KIND}" only`,
    );
  }
  return saveLearned(dir, opts, 'saveHyperOptimizer');
}

/** Loads a hyper optimizer saved by {@link saveHyperOptimizer} (core's `loadLearned` for kind `"hyper"`); the caller owns `metaParams`. */
export function loadHyperOptimizer(dir: string): LoadedLearned<LearnedOptimizer<HyperState, HyperConfig>> {
  return loadLearned(dir, { expect: HYPER_LEARNED_KIND, reader: 'loadHyperOptimizer' });
}
