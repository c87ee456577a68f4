import * as tf from '@tensorflow/tfjs';
import { encodeCheckpoint, readCheckpoint, type CheckpointStore } from './checkpoint.js';
import type { ContainerValue } from './container-codec.js';
import { episodeHorizon } from './horizon.js';
import { checkSlotInfo, episodeStreams, newEpisodeSlot, slotContainer, type MetaSlot } from './meta-slot.js';
import { checkFingerprint, type Fingerprint } from './meta-train-fingerprint.js';
import type { MetaTrainHistoryEntry, MetaTrainSettings } from './meta-train-options.js';
import { Rng } from './rng.js';
import { cloneMap, disposeMap } from './tensor-map.js';
import type { TensorMap } from './types.js';
import { L2oError } from './l2o-error.js';

/** Everything a run carries from one meta-step to the next; checkpointed whole, so a resume is bit-exact. */
export interface RunState {
  phi: TensorMap;
  metaState: tf.TensorContainer;
  best: TensorMap;
  bestEpoch: number;
  bestValidation: number;
  history: MetaTrainHistoryEntry[];
  /** Meta-steps done. */
  metaStep: number;
  /** Id of the next episode to start. */
  nextEpisode: number;
  slots: MetaSlot[];
  /** Σ τ(f) and the number of terms over the current epoch so far. */
  epochLossSum: number;
  epochLossCount: number;
  skipped: number;
  dropped: number;
  resets: number;
  episodes: number;
  /** Wall seconds spent before this process took over (resume). */
  priorSeconds: number;
}

/** A slot starting the run's next episode at `metaStep` (its horizon drawn from the episode's own stream). */
export function nextEpisodeSlot(s: MetaTrainSettings, run: RunState, metaStep: number): MetaSlot {
  const episode = run.nextEpisode++;
  const horizon = episodeHorizon(s.horizon, episodeStreams(s.seed, episode).horizon, metaStep, s.unroll);
  return newEpisodeSlot(s.seed, episode, horizon);
}

/** A new run: φ from `initialMetaParams` (cloned) or the learned optimizer's init, one fresh episode per slot. */
export function freshRun(s: MetaTrainSettings, initialMetaParams: TensorMap | undefined): RunState {
  const phi = initialMetaParams ? cloneMap(initialMetaParams) : s.learned.initMetaParams(Rng.seeded(s.seed, -1));
  const unknown = Object.keys(s.metaLearningRateScale).filter((k) => !(k in phi));
  if (unknown.length > 0) {
    disposeMap(phi);
    throw new L2oError(
      'INVALID_OPTION',
      `metaLearningRateScale: no tensor of φ is named ${unknown.join(', ')}; φ has ${Object.keys(phi).join(', ')}`,
    );
  }
  const run: RunState = {
    phi,
    metaState: s.metaOptimizer.init(phi),
    best: cloneMap(phi),
    bestEpoch: 0,
    bestValidation: Number.POSITIVE_INFINITY,
    history: [],
    metaStep: 0,
    nextEpisode: 0,
    slots: [],
    epochLossSum: 0,
    epochLossCount: 0,
    skipped: 0,
    dropped: 0,
    resets: 0,
    episodes: 0,
    priorSeconds: 0,
  };
  for (let i = 0; i < s.tasksPerStep; i++) run.slots.push(nextEpisodeSlot(s, run, 0));
  return run;
}

/** Writes the run to `store` (a file is replaced atomically). */
export async function saveRun(
  store: CheckpointStore,
  run: RunState,
  fingerprint: Fingerprint,
  wallSeconds: number,
): Promise<void> {
  const inFlight: ContainerValue = {
    metaStep: run.metaStep,
    nextEpisode: run.nextEpisode,
    epochLossSum: run.epochLossSum,
    epochLossCount: run.epochLossCount,
    droppedGradients: run.dropped,
    resetSlots: run.resets,
    episodes: run.episodes,
    slots: run.slots.map(slotContainer),
  };
  const data = encodeCheckpoint({
    epoch: run.history.length,
    phi: run.phi,
    metaState: run.metaState,
    best: run.best,
    bestEpoch: run.bestEpoch,
    bestValidation: run.bestValidation,
    history: run.history,
    wallSeconds,
    skippedUnrolls: run.skipped,
    fingerprint,
    run: inFlight,
  });
  await store.write(data);
}

const count = (o: Record<string, unknown>, k: string): number => {
  const v = o[k];
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new L2oError(
      'INVALID_OPTION',
      `checkpoint: run.${k} must be a non-negative integer, got ${JSON.stringify(v)}`,
    );
  }
  return v as number;
};

/**
 * The run stored in checkpoint bytes `data` (from `path`, a file or a store's name), refused (naming the setting)
 * if it belongs to a run with another fingerprint. A checkpoint of the single-task trainer (no in-flight state)
 * continues at the start of its next epoch.
 */
export function restoreRun(s: MetaTrainSettings, data: Uint8Array, path: string, fingerprint: Fingerprint): RunState {
  const ck = readCheckpoint(data, path);
  try {
    checkFingerprint(ck.fingerprint, fingerprint, path);
    const base = {
      phi: ck.phi,
      metaState: ck.metaState,
      best: ck.best,
      bestEpoch: ck.bestEpoch,
      bestValidation: ck.bestValidation,
      history: [...ck.history],
      skipped: ck.skippedUnrolls,
      priorSeconds: ck.wallSeconds,
    };
    if (ck.run === undefined) {
      const run: RunState = {
        ...base,
        metaStep: ck.epoch * s.metaStepsPerEpoch,
        nextEpisode: ck.epoch * s.tasksPerStep,
        slots: [],
        epochLossSum: 0,
        epochLossCount: 0,
        dropped: 0,
        resets: 0,
        episodes: ck.epoch * s.tasksPerStep,
      };
      for (let i = 0; i < s.tasksPerStep; i++) run.slots.push(nextEpisodeSlot(s, run, run.metaStep));
      return run;
    }
    const o = ck.run as Record<string, unknown>;
    if (o === null || typeof o !== 'object' || !Array.isArray(o['slots'])) {
      throw new L2oError('INVALID_OPTION', 'checkpoint: run must be an object with a slots array');
    }
    const slots = (o['slots'] as unknown[]).map((v, i): MetaSlot => {
      const slot = v as { info?: unknown; tensors?: unknown };
      return {
        info: checkSlotInfo(slot?.info, `checkpoint: run.slots[${i}]`),
        tensors: (slot.tensors ?? null) as tf.TensorContainer | null,
      };
    });
    if (slots.length !== s.tasksPerStep) {
      throw new L2oError(
        'INCOMPATIBLE',
        `checkpoint: run holds ${slots.length} slots, the run has tasksPerStep ${s.tasksPerStep}`,
      );
    }
    const sum = o['epochLossSum'];
    if (typeof sum !== 'number') throw new L2oError('INVALID_OPTION', 'checkpoint: run.epochLossSum must be a number');
    return {
      ...base,
      metaStep: count(o, 'metaStep'),
      nextEpisode: count(o, 'nextEpisode'),
      slots,
      epochLossSum: sum,
      epochLossCount: count(o, 'epochLossCount'),
      dropped: count(o, 'droppedGradients'),
      resets: count(o, 'resetSlots'),
      episodes: count(o, 'episodes'),
    };
  } catch (e) {
    tf.dispose([ck.phi, ck.metaState, ck.best, ck.run ?? null] as tf.TensorContainer[]);
    throw e;
  }
}
