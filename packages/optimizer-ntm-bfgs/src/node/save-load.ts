import { type JsonObject, L2oError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import type { ArtifactManifest, LoadedLearned } from '@l2o/core/extend';
import { loadLearned, saveLearned } from '@l2o/core/node';
import { NTM_BFGS_KIND, NTM_BFGS_LEARNED_KIND, type NtmBfgsConfig, type NtmBfgsState } from '@l2o/optimizer-ntm-bfgs';

/** Saves a trained NTM-BFGS optimizer (config + φ) with core's `saveLearned` (kind `"ntm-bfgs"` only), replacing `dir` atomically. */
export function saveNtmBfgsOptimizer(
  dir: string,
  opts: { learned: LearnedOptimizer<NtmBfgsState, NtmBfgsConfig>; metaParams: TensorMap; training?: JsonObject },
): ArtifactManifest {
  if (opts.learned.kind !== NTM_BFGS_KIND) {
    throw new L2oError(
      'INVALID_OPTION',
      `saveNtmBfgsOptimizer: learned.kind is "${opts.learned.kind}"; this function saves kind "${NTM_BFGS_KIND}" only`,
    );
  }
  return saveLearned(dir, opts, 'saveNtmBfgsOptimizer');
}

/** Loads an optimizer saved by {@link saveNtmBfgsOptimizer} (core's `loadLearned` for kind `"ntm-bfgs"`). The caller owns `metaParams`. */
export function loadNtmBfgsOptimizer(dir: string): LoadedLearned<LearnedOptimizer<NtmBfgsState, NtmBfgsConfig>> {
  return loadLearned(dir, { expect: NTM_BFGS_LEARNED_KIND, reader: 'loadNtmBfgsOptimizer' });
}
