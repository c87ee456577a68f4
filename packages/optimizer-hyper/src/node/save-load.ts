import * as tf from '@tensorflow/tfjs';
import { checkMetaParamsFit } from '@l2o/core';
import { loadArtifact, saveArtifact } from '@l2o/core/node';
import type { ArtifactManifest, JsonObject, LearnedOptimizer, TensorMap } from '@l2o/core';
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
  const { manifest, metaParams } = loadArtifact(dir);
  try {
    if (manifest.kind !== HYPER_KIND) {
      throw new Error(
        `loadHyperOptimizer: ${dir} holds a learned optimizer of kind "${manifest.kind}"; loadHyperOptimizer reads kind "${HYPER_KIND}"`,
      );
    }
    const config = resolveHyperConfig(manifest.config, `loadHyperOptimizer: ${dir}: manifest field "config"`);
    const learned = hyperOptimizer(config);
    checkMetaParamsFit(learned as unknown as LearnedOptimizer, metaParams, manifest.kind, dir);
    return { learned, metaParams, manifest };
  } catch (e) {
    tf.dispose(Object.values(metaParams));
    throw e;
  }
}
