import { evaluate, problemStreams } from './evaluate.js';
import type { MetaTrainSettings } from './meta-train-options.js';
import { disposeBatch, disposeMap } from './tensor-map.js';
import { optimizerForEvaluation } from './types.js';
import type { TensorMap } from './types.js';

/**
 * Seed of the validation problems (`Rng.seeded(validationSeed(seed), r)`), a bijective scramble of `seed`: they
 * coincide with a training episode's problem (`Rng.seeded(seed, episode)`) only if the scramble has `seed` as a
 * fixed point.
 */
export function validationSeed(seed: number): number {
  return (Math.imul(seed | 0, 0x2545f491) ^ 0x5bd1e995) >>> 0;
}

/** |ln(f_T / f_T*)| counts at most this much per problem in the 'vs-reference' score. */
export const VS_REFERENCE_CLIP = 1;

/** ln(a / b) clipped to ±VS_REFERENCE_CLIP; a non-finite or non-positive loss of φ counts as the clip. */
export function clippedLogRatio(a: number, b: number): number {
  if (!(Number.isFinite(a) && a > 0)) return VS_REFERENCE_CLIP;
  if (!(Number.isFinite(b) && b > 0)) return -VS_REFERENCE_CLIP;
  return Math.max(-VS_REFERENCE_CLIP, Math.min(VS_REFERENCE_CLIP, Math.log(a / b)));
}

/**
 * The validation score of φ (lower is better) on `validationProblems` held-out problems run for
 * `validationHorizon` steps: 'mean' — mean of f over steps 1…T (the meta-objective's uniform form); 'final' — f at
 * step T; 'log-ratio' — the mean over problems of log(f_T / f_0), scale-free, for mixtures of tasks whose losses
 * differ by orders of magnitude (needs positive losses); 'vs-reference' — the mean over problems of
 * ln(f_T / f_T*), clipped to ±{@link VS_REFERENCE_CLIP}, where f_T* is the lowest final loss of
 * `validationReferences` on that problem (same θ₀ and minibatches): how far φ is from hand-designed optimizers tuned
 * to each problem, with no task able to outweigh the others (a problem lost by far counts as much as one lost by e).
 */
export function validator(s: MetaTrainSettings): (phi: TensorMap) => Promise<number> {
  const seed = validationSeed(s.seed);
  const T = s.validationHorizon;
  let initialLosses: number[] | undefined;
  let referenceLosses: number[] | undefined;
  // f_T* of each validation problem: the lowest final loss among the references (they do not depend on φ).
  const references = async (): Promise<number[]> => {
    const result = await evaluate({
      family: s.validationFamily,
      optimizers: s.validationReferences,
      problems: s.validationProblems,
      steps: T,
      seed,
    });
    return Array.from({ length: s.validationProblems }, (_, r) => {
      let best = Number.POSITIVE_INFINITY;
      for (const c of result.curves) {
        const f = c.finalLosses[r]!;
        if (Number.isFinite(f) && f < best) best = f;
      }
      return best;
    });
  };
  // f(θ₀) of each validation problem on its first minibatch, as evaluate measures it (it does not depend on φ).
  const initial = (): number[] => {
    const out: number[] = [];
    for (let r = 0; r < s.validationProblems; r++) {
      const streams = problemStreams(seed, r);
      const task = s.validationFamily.sample(streams.problem);
      const theta = task.init(streams.init);
      const batch = task.sampleBatch(streams.batches);
      const loss = task.loss(theta, batch);
      out.push(loss.dataSync()[0]!);
      loss.dispose();
      disposeBatch(batch);
      disposeMap(theta);
      task.dispose?.();
    }
    return out;
  };
  return async (phi) => {
    const result = await evaluate({
      family: s.validationFamily,
      optimizers: [{ name: s.learned.name, optimizer: optimizerForEvaluation(s.learned, phi) }],
      problems: s.validationProblems,
      steps: T,
      seed,
    });
    const curve = result.curves[0]!;
    if (s.validationMetric === 'final') return curve.mean[T]!;
    if (s.validationMetric === 'vs-reference') {
      referenceLosses ??= await references();
      const ref = referenceLosses;
      return curve.finalLosses.reduce((acc, fT, r) => acc + clippedLogRatio(fT, ref[r]!), 0) / curve.finalLosses.length;
    }
    if (s.validationMetric === 'log-ratio') {
      initialLosses ??= initial();
      const f0 = initialLosses;
      return curve.finalLosses.reduce((acc, fT, r) => acc + Math.log(fT / f0[r]!), 0) / curve.finalLosses.length;
    }
    let sum = 0;
    for (let t = 1; t <= T; t++) sum += curve.mean[t]!;
    return sum / T;
  };
}
