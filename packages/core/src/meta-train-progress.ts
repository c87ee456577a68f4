import type { MetaTrainProgress, MetaTrainSettings } from './meta-train-options.js';
import type { RunState } from './meta-train-run.js';

type Fields = Omit<
  MetaTrainProgress,
  | 'epochs'
  | 'metaStep'
  | 'metaSteps'
  | 'elapsedSeconds'
  | 'skippedUnrolls'
  | 'droppedGradients'
  | 'resetSlots'
  | 'episodes'
  | 'bestValidation'
  | 'bestEpoch'
  | 'etaSeconds'
>;

/** Wall clock, ETA (from the last 50 meta-steps) and progress events of a run. */
export interface ProgressReporter {
  /** Seconds of meta-training so far, including time before a resume. */
  elapsed(): number;
  /** Records the duration of a meta-step just done. */
  stepTimed(seconds: number): void;
  emit(fields: Fields): void;
}

export function progressReporter(
  s: MetaTrainSettings,
  run: RunState,
  onProgress: ((e: MetaTrainProgress) => void) | undefined,
): ProgressReporter {
  const t0 = performance.now();
  const recent: number[] = [];
  const elapsed = (): number => run.priorSeconds + (performance.now() - t0) / 1000;
  return {
    elapsed,
    stepTimed(seconds) {
      recent.push(seconds);
      if (recent.length > 50) recent.shift();
    },
    emit(fields) {
      if (!onProgress) return;
      const perStep = recent.length > 0 ? recent.reduce((a, b) => a + b, 0) / recent.length : undefined;
      onProgress({
        ...fields,
        epochs: s.epochs,
        metaStep: run.metaStep,
        metaSteps: s.metaSteps,
        elapsedSeconds: elapsed(),
        bestValidation: run.bestValidation,
        bestEpoch: run.bestEpoch,
        ...(perStep !== undefined ? { etaSeconds: perStep * (s.metaSteps - run.metaStep) } : {}),
        skippedUnrolls: run.skipped,
        droppedGradients: run.dropped,
        resetSlots: run.resets,
        episodes: run.episodes,
      });
    },
  };
}
