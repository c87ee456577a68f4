import { type ArtifactManifest, base64ToBytes, decodeLearned } from '@l2o/core/extend';
import { L2oError, type LearnedOptimizer, type TensorMap } from '@l2o/core';
import type { HyperConfig } from '../config.js';
import { HYPER_LEARNED_KIND } from '../hyper-kind.js';
import type { HyperState } from '../hyper-state.js';
import { generalPreset } from './general.js';
import type { HyperPresetData } from './preset-data.js';

const PRESETS: Readonly<Record<string, HyperPresetData>> = { general: generalPreset };

/** Names of the trained hyper optimizers shipped in this package. */
export const HYPER_PRESETS = Object.keys(PRESETS) as readonly string[];

/** What each preset is, in one line. */
export function describeHyperPresets(): { name: string; summary: string; report: string }[] {
  return Object.values(PRESETS).map((p) => ({ name: p.name, summary: p.summary, report: p.report }));
}

/**
 * A trained hyper optimizer shipped inside the package (no file access, no network): its architecture, its φ
 * (new tensors the caller owns) and its manifest (how it was trained, under `manifest.training`).
 */
export function loadHyperPreset(name: string): {
  learned: LearnedOptimizer<HyperState, HyperConfig>;
  metaParams: TensorMap;
  manifest: ArtifactManifest;
} {
  const preset = PRESETS[name];
  if (!preset) {
    throw new L2oError(
      'NOT_FOUND',
      `loadHyperPreset: unknown preset "${name}"; allowed values: ${HYPER_PRESETS.join(', ')}`,
    );
  }
  // Rebuilt through the registry entry of kind "hyper": its config and φ's names and shapes are checked.
  return decodeLearned(preset.manifest, base64ToBytes(preset.weightsBase64), `preset ${name}`, {
    expect: HYPER_LEARNED_KIND,
  });
}
