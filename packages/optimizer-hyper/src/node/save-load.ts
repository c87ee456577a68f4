import { loadLearnedArtifact, saveArtifact } from '@l2o/core/node';
import type { JsonObject, LearnedOptimizer, TensorMap } from '@l2o/core';
import type { ArtifactManifest } from '@l2o/core/extend';
import {
  HYPER_KIND,
  checkHyperMetaParams,
  hyperOptimizer,
  resolveHyperConfig,
  type HyperConfig,
  type HyperState,
} from '@l2o/optimizer-hyper';

/** Saves a hyper optimizer (config + φ) as a learned-optimizer artifact directory, replacing `dir` atomically. */
export function saveHyperOptimizer(
  dir: string,
  opts: { learned: LearnedOptimizer<HyperState, HyperConfig>; metaParams: TensorMap; training?: JsonObject },
): ArtifactManifest {
  const { learned, metaParams, training } = opts;
  if (learned.kind !== HYPER_KIND) {
    throw new Error(
      `saveHyperOptimizer: learned.kind is "${learned.kind}"; this function saves kind "${HYPER_KIND}" only`,
    );
  }
  const config = resolveHyperConfig(learned.config, 'saveHyperOptimizer: learned.config');
  checkHyperMetaParams(metaParams, config, 'saveHyperOptimizer: metaParams');
  return saveArtifact(dir, {
    kind: HYPER_KIND,
    name: learned.name,
    config,
    metaParams,
    ...(training !== undefined ? { training } : {}),
  });
}

/** Loads a hyper optimizer saved by {@link saveHyperOptimizer}; the caller owns `metaParams`. */
export function loadHyperOptimizer(dir: string): {
  learned: LearnedOptimizer<HyperState, HyperConfig>;
  metaParams: TensorMap;
  manifest: ArtifactManifest;
} {
  const loaded = loadLearnedArtifact(dir, (kind, config) => {
    if (kind !== HYPER_KIND) {
      throw new Error(
        `loadHyperOptimizer: ${dir} holds a learned optimizer of kind "${kind}"; loadHyperOptimizer reads kind "${HYPER_KIND}"`,
      );
    }
    const resolved = resolveHyperConfig(config, `loadHyperOptimizer: ${dir}: manifest field "config"`);
    return hyperOptimizer(resolved) as unknown as LearnedOptimizer;
  });
  return { ...loaded, learned: loaded.learned as unknown as LearnedOptimizer<HyperState, HyperConfig> };
}
