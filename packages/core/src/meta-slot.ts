import * as tf from '@tensorflow/tfjs';
import { decodeContainer, encodeContainer, type ContainerValue } from './container-codec.js';
import { Rng, type RngState } from './rng.js';
import type { BatchData, JsonValue, Optimizee, OptimizeeFamily } from './types.js';
import { L2oError } from './l2o-error.js';

/**
 * The plain-JSON part of a meta-training slot: which episode it runs, how far it got, and the states of its random
 * streams. Together with the slot's tensors it is everything an estimator needs to continue the episode — in this
 * process, after a resume, or in another process.
 */
export interface SlotInfo {
  /** Episode id: its problem, θ₀, minibatches, horizon and noise come from `Rng.seeded(seed, episode)`. */
  readonly episode: number;
  /** Steps of this episode (T). */
  readonly horizon: number;
  /** Optimizee steps taken so far in this episode (0…T). */
  readonly step: number;
  /** State of the stream the problem is drawn with: the problem is `family.sample(Rng.fromState(problemRng))`. */
  readonly problemRng: RngState;
  /** State of the stream θ₀ is drawn with (used when the episode starts). */
  readonly initRng: RngState;
  /** State of the minibatch stream, where the next truncation continues. */
  readonly batchRng: RngState;
  /** State of the estimator's own noise (PES perturbations). */
  readonly noiseRng: RngState;
  /** f(θ₀) on the episode's first minibatch, once the episode has started ('relative' loss transform). */
  readonly initialLoss: number | null;
}

/**
 * One task of a meta-step: its {@link SlotInfo} and the tensors of its episode (θ, optimizer state, the current
 * gradient; for PES the two perturbed trajectories and the accumulated perturbation), or `null` before the episode
 * has started. Each estimator defines the layout of `tensors`.
 */
export interface MetaSlot {
  readonly info: SlotInfo;
  readonly tensors: tf.TensorContainer | null;
}

/**
 * The random streams of episode `episode` of a run seeded with `seed`, forked in a fixed order from
 * `Rng.seeded(seed, episode)`: problem, θ₀ and minibatches first (as an evaluation's `problemStreams`), then the
 * horizon draw and the estimator's noise.
 */
export function episodeStreams(
  seed: number,
  episode: number,
): { problem: Rng; init: Rng; batches: Rng; horizon: Rng; noise: Rng } {
  const base = Rng.seeded(seed, episode);
  const problem = base.fork();
  const init = base.fork();
  const batches = base.fork();
  const horizon = base.fork();
  const noise = base.fork();
  return { problem, init, batches, horizon, noise };
}

/** A slot about to start episode `episode` with the given horizon (no tensors yet). */
export function newEpisodeSlot(seed: number, episode: number, horizon: number): MetaSlot {
  const s = episodeStreams(seed, episode);
  return {
    info: {
      episode,
      horizon,
      step: 0,
      problemRng: s.problem.state(),
      initRng: s.init.state(),
      batchRng: s.batches.state(),
      noiseRng: s.noise.state(),
      initialLoss: null,
    },
    tensors: null,
  };
}

/** The problem a slot's episode runs on (a fresh draw; the caller disposes it). */
export function slotProblem<Batch extends BatchData>(family: OptimizeeFamily<Batch>, info: SlotInfo): Optimizee<Batch> {
  return family.sample(Rng.fromState(info.problemRng));
}

/** A slot as a container of core's codec: `{ info, tensors }` (no copies of the tensors). */
export function slotContainer(slot: MetaSlot): ContainerValue {
  const i = slot.info;
  return {
    info: {
      episode: i.episode,
      horizon: i.horizon,
      step: i.step,
      problemRng: [...i.problemRng],
      initRng: [...i.initRng],
      batchRng: [...i.batchRng],
      noiseRng: [...i.noiseRng],
      initialLoss: i.initialLoss,
    },
    tensors: slot.tensors as ContainerValue,
  };
}

/** A slot as JSON plus one binary blob (core's container codec), e.g. to checkpoint it or send it to a worker. */
export function encodeSlot(slot: MetaSlot): { json: JsonValue; bytes: Uint8Array } {
  return encodeContainer(slotContainer(slot));
}

const isRngState = (v: unknown): boolean => {
  if (!Array.isArray(v)) return false;
  try {
    Rng.fromState(v as number[]);
    return true;
  } catch {
    return false;
  }
};

/** Checks that `v` is a {@link SlotInfo}; the error names the field. */
export function checkSlotInfo(v: unknown, where = 'slot'): SlotInfo {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new L2oError('INVALID_DATA', `${where}: info must be an object`);
  const o = v as Record<string, unknown>;
  const nonNeg = (k: string): void => {
    if (!Number.isSafeInteger(o[k]) || (o[k] as number) < 0) {
      throw new L2oError(
        'INVALID_DATA',
        `${where}: info.${k} must be a non-negative integer, got ${JSON.stringify(o[k])}`,
      );
    }
  };
  nonNeg('episode');
  nonNeg('step');
  nonNeg('horizon');
  if ((o['horizon'] as number) < 1 || (o['step'] as number) > (o['horizon'] as number)) {
    throw new L2oError(
      'INVALID_DATA',
      `${where}: info.step (${String(o['step'])}) must lie in [0, horizon = ${String(o['horizon'])}]`,
    );
  }
  for (const k of ['problemRng', 'initRng', 'batchRng', 'noiseRng']) {
    if (!isRngState(o[k]))
      throw new L2oError('INVALID_DATA', `${where}: info.${k} must be an Rng state, got ${JSON.stringify(o[k])}`);
  }
  if (o['initialLoss'] !== null && typeof o['initialLoss'] !== 'number') {
    throw new L2oError('INVALID_DATA', `${where}: info.initialLoss must be a number or null`);
  }
  return o as unknown as SlotInfo;
}

/** Inverse of {@link encodeSlot}; the caller owns the tensors. */
export function decodeSlot(json: JsonValue, bytes: Uint8Array): MetaSlot {
  const decoded = decodeContainer(json, bytes) as { info?: unknown; tensors?: unknown } | null;
  try {
    if (decoded === null || typeof decoded !== 'object')
      throw new L2oError('INVALID_DATA', 'decodeSlot: not an encoded slot');
    const info = checkSlotInfo(decoded.info, 'decodeSlot');
    return { info, tensors: (decoded.tensors ?? null) as tf.TensorContainer | null };
  } catch (e) {
    if (decoded !== null) tf.dispose(decoded as tf.TensorContainer);
    throw e;
  }
}
