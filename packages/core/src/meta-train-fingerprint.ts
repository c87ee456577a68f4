import { crc32 } from './crc32.js';
import { describeHorizon } from './horizon.js';
import type { MetaTrainSettings } from './meta-train-options.js';
import type { LossWeighting } from './meta-objective.js';
import { L2oError } from './l2o-error.js';

export type Fingerprint = Readonly<Record<string, string | number | boolean>>;

/** A short, exact-enough identifier of explicit loss weights for the resume fingerprint. */
function weightsDigest(w: readonly number[]): string {
  const bytes = new Uint8Array(Float64Array.from(w).buffer);
  return `${w.length}:${crc32(bytes).toString(16).padStart(8, '0')}`;
}

/** Weights as the single-task trainer recorded them: the digest of w_1…w_T when T is fixed, else the rule's name. */
function describeWeights(s: MetaTrainSettings, w: LossWeighting): string {
  if (s.horizon.kind !== 'fixed') return typeof w === 'string' ? w : weightsDigest(w);
  const T = s.horizon.steps;
  if (w === 'uniform') return weightsDigest(new Array<number>(T).fill(1));
  if (w === 'linear') return weightsDigest(Array.from({ length: T }, (_, i) => (2 * (i + 1)) / (T + 1)));
  return weightsDigest(w);
}

/**
 * Everything that changes φ's trajectory or what "best" means; a checkpoint resumes only under an equal fingerprint.
 * Settings added after the single-task trainer appear only when they differ from their defaults, so that trainer's
 * checkpoints still resume.
 */
export function runFingerprint(s: MetaTrainSettings, runInfo: Fingerprint | undefined): Fingerprint {
  const est = s.estimator;
  const estimatorName = est.name === 'bptt-fused' ? 'bptt' : est.name;
  return {
    learned: s.learned.kind,
    config: JSON.stringify(s.learned.config),
    family: s.family.name,
    horizon: describeHorizon(s.horizon),
    unroll: s.unroll,
    seed: s.seed,
    metaOptimizer: s.metaOptimizerName,
    lossWeights: describeWeights(s, s.lossWeights),
    validationFamily: s.validationFamily.name,
    validationProblems: s.validationProblems,
    validationMetric: s.validationMetric,
    ...(s.validationReferences.length > 0
      ? { validationReferences: s.validationReferences.map((r) => r.name).join(',') }
      : {}),
    ...(s.tasksPerStep !== 1 ? { tasksPerStep: s.tasksPerStep } : {}),
    ...(estimatorName !== 'bptt' ? { estimator: estimatorName } : {}),
    ...(s.customEstimator ? { estimatorConfig: JSON.stringify(est.config) } : {}),
    ...(estimatorName === 'pes' && !s.customEstimator ? { pesSigma: s.pesSigma } : {}),
    ...(s.lossTransform !== 'none' ? { lossTransform: s.lossTransform } : {}),
    ...(s.resetNonFinite ? { resetNonFinite: true } : {}),
    ...(s.horizon.kind !== 'fixed' || s.metaStepsPerEpoch * s.unroll !== s.horizon.steps
      ? { metaStepsPerEpoch: s.metaStepsPerEpoch }
      : {}),
    ...(s.validationHorizon !== (s.horizon.kind === 'fixed' ? s.horizon.steps : -1)
      ? { validationHorizon: s.validationHorizon }
      : {}),
    ...(runInfo ?? {}),
  };
}

/** Throws, naming the first differing setting, unless `stored` equals `current` key for key. */
export function checkFingerprint(stored: Fingerprint, current: Fingerprint, path: string): void {
  for (const k of [...new Set([...Object.keys(current), ...Object.keys(stored)])]) {
    if (String(stored[k]) !== String(current[k])) {
      throw new L2oError(
        'INCOMPATIBLE',
        `resume: checkpoint ${path} belongs to a different run (${k}: ${String(stored[k])} ≠ ${String(current[k])}); ` +
          'use the same settings or another checkpoint path',
      );
    }
  }
}
