import { type JsonObject, L2oError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import type { ArtifactManifest, LoadedLearned } from '@l2o/core/extend';
import { LSTM_KIND, LSTM_LEARNED_KIND, type LstmConfig, type LstmState } from '@l2o/optimizer-lstm';
import { loadLearned, saveLearned } from '@l2o/core/node';

/**
 * Saves a trained LSTM optimizer (config + φ) as a learned-optimizer artifact directory (`manifest.json` +
 * `weights.bin`, see docs/artifact-format.md), replacing `dir` atomically: core's `saveLearned`, for kind
 * `"lstm"` only. Returns the manifest written.
 */
export function saveLstmOptimizer(
  dir: string,
  opts: { learned: LearnedOptimizer<LstmState, LstmConfig>; metaParams: TensorMap; training?: JsonObject },
): ArtifactManifest {
  if (opts.learned.kind !== LSTM_KIND) {
    throw new L2oError(
      'INVALID_OPTION',
      `saveLstmOptimizer: learned.kind is "${opts.learned.kind}"; this function saves kind "${LSTM_KIND}" only`,
    );
  }
  return saveLearned(dir, opts, 'saveLstmOptimizer');
}

/**
 * Loads an LSTM optimizer saved by {@link saveLstmOptimizer} (core's `loadLearned` for kind `"lstm"`): validates
 * the artifact (format, version, checksums), its kind, its config and the shapes of φ. The caller owns `metaParams`.
 */
export function loadLstmOptimizer(dir: string): LoadedLearned<LearnedOptimizer<LstmState, LstmConfig>> {
  return loadLearned(dir, { expect: LSTM_LEARNED_KIND, reader: 'loadLstmOptimizer' });
}
