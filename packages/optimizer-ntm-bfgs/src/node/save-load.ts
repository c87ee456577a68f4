import * as tf from '@tensorflow/tfjs';
import { checkMetaParamsFit } from '@l2o/core/extend';
import { loadArtifact, saveArtifact } from '@l2o/core/node';
import type { JsonObject, LearnedOptimizer, TensorMap } from '@l2o/core';
import type { ArtifactManifest } from '@l2o/core/extend';
import {
  NTM_BFGS_KIND,
  checkNtmBfgsMetaParams,
  ntmBfgsOptimizer,
  resolveNtmBfgsConfig,
  type NtmBfgsConfig,
  type NtmBfgsState,
} from '@l2o/optimizer-ntm-bfgs';

/** Saves a trained NTM-BFGS optimizer (config + φ) with core's `saveArtifact`, replacing `dir` atomically. */
export function saveNtmBfgsOptimizer(
  dir: string,
  opts: { learned: LearnedOptimizer<NtmBfgsState, NtmBfgsConfig>; metaParams: TensorMap; training?: JsonObject },
): ArtifactManifest {
  const { learned, metaParams, training } = opts;
  if (learned.kind !== NTM_BFGS_KIND) {
    throw new Error(
      `saveNtmBfgsOptimizer: learned.kind is "${learned.kind}"; this function saves kind "${NTM_BFGS_KIND}" only`,
    );
  }
  const config = resolveNtmBfgsConfig(learned.config, 'saveNtmBfgsOptimizer: learned.config');
  checkNtmBfgsMetaParams(metaParams, config, 'saveNtmBfgsOptimizer: metaParams');
  return saveArtifact(dir, {
    kind: NTM_BFGS_KIND,
    name: learned.name,
    config,
    metaParams,
    ...(training !== undefined ? { training } : {}),
  });
}

/** Loads an optimizer saved by {@link saveNtmBfgsOptimizer}; checks kind "ntm-bfgs", config and φ's shapes. The caller owns `metaParams`. */
export function loadNtmBfgsOptimizer(dir: string): {
  learned: LearnedOptimizer<NtmBfgsState, NtmBfgsConfig>;
  metaParams: TensorMap;
  manifest: ArtifactManifest;
} {
  const { manifest, metaParams } = loadArtifact(dir);
  try {
    if (manifest.kind !== NTM_BFGS_KIND) {
      throw new Error(
        `loadNtmBfgsOptimizer: ${dir} holds a learned optimizer of kind "${manifest.kind}"; loadNtmBfgsOptimizer reads kind "${NTM_BFGS_KIND}"`,
      );
    }
    const config = resolveNtmBfgsConfig(manifest.config, `loadNtmBfgsOptimizer: ${dir}: manifest field "config"`);
    checkNtmBfgsMetaParams(metaParams, config, `loadNtmBfgsOptimizer: ${dir}: weights`);
    const learned = ntmBfgsOptimizer(config);
    checkMetaParamsFit(learned as unknown as LearnedOptimizer, metaParams, manifest.kind, dir);
    return { learned, metaParams, manifest };
  } catch (e) {
    tf.dispose(Object.values(metaParams));
    throw e;
  }
}
