import { type ArtifactManifest, base64ToBytes, checkMetaParamsFit, decodeArtifact, type ResidualConfig, residualLearnedFromConfig, type ResidualState } from '@l2o/core/extend';
import { disposeMap, type JsonObject, L2oError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import { baselineFromConfig } from '@l2o/baselines';
import type { LstmConfig } from '../config.js';
import { LSTM_KIND, lstmOptimizer, type LstmState } from '../lstm-optimizer.js';
import { mnistPaperPreset } from './mnist-paper.js';
import { mnistResidualPreset } from './mnist-residual.js';
import type { LstmPresetData } from './preset-data.js';
import { quadraticPreset } from './quadratic.js';

const PRESETS: Readonly<Record<string, LstmPresetData>> = {
  quadratic: quadraticPreset,
  'mnist-paper': mnistPaperPreset,
  'mnist-residual': mnistResidualPreset,
};

/** Names of the trained LSTM optimizers shipped in this package. */
export const LSTM_PRESETS = Object.keys(PRESETS) as readonly string[];

/** What each preset is, in one line. */
export function describeLstmPresets(): { name: string; summary: string; report: string }[] {
  return Object.values(PRESETS).map((p) => ({ name: p.name, summary: p.summary, report: p.report }));
}

/** A preset's learned optimizer: the LSTM alone, or a residual (a tuned hand-designed base + the LSTM's correction). */
export type LstmPresetOptimizer = LearnedOptimizer<LstmState | ResidualState, LstmConfig | ResidualConfig>;

/**
 * A trained LSTM optimizer shipped inside the package (no file access, no network): its architecture, its φ
 * (new tensors the caller owns) and its manifest (training config and results under `manifest.training`).
 * Presets of kind `'residual'` carry their hand-designed base (from @l2o/baselines) in the manifest.
 */
export function loadLstmPreset(name: string): {
  learned: LstmPresetOptimizer;
  metaParams: TensorMap;
  manifest: ArtifactManifest;
} {
  const preset = PRESETS[name];
  if (!preset) throw new L2oError('NOT_FOUND', `loadLstmPreset: unknown preset "${name}"; allowed values: ${LSTM_PRESETS.join(', ')}`);
  const { manifest, metaParams } = decodeArtifact(preset.manifest, base64ToBytes(preset.weightsBase64), `preset ${name}`);
  try {
    const learned = rebuildLstmLearned(manifest.kind, manifest.config, `preset ${name}`);
    checkMetaParamsFit(learned as unknown as LearnedOptimizer, metaParams, manifest.kind, `preset ${name}`);
    return { learned, metaParams, manifest };
  } catch (e) {
    disposeMap(metaParams);
    throw e;
  }
}

/**
 * The learned optimizer an artifact of kind `'lstm'` or `'residual'` (a hand-designed base + an LSTM correction)
 * describes, rebuilt from its config. Errors start with `source`.
 */
export function rebuildLstmLearned(kind: string, config: JsonObject, source: string): LstmPresetOptimizer {
  if (kind === LSTM_KIND) return lstmOptimizer(config as Partial<LstmConfig>) as LstmPresetOptimizer;
  if (kind === 'residual') {
    return residualLearnedFromConfig(
      config,
      (inner, innerConfig: JsonObject) => {
        if (inner !== LSTM_KIND) throw new L2oError('INCOMPATIBLE', `${source}: residual of kind ${inner}, expected ${LSTM_KIND}`);
        return lstmOptimizer(innerConfig as Partial<LstmConfig>) as unknown as LearnedOptimizer;
      },
      (baseConfig) => baselineFromConfig(baseConfig, `${source} base`),
    ) as unknown as LstmPresetOptimizer;
  }
  throw new L2oError('INCOMPATIBLE', `${source}: kind ${kind}, expected ${LSTM_KIND} or residual`);
}
