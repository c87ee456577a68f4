import * as tf from '@tensorflow/tfjs';
import type { MetaGradientEstimate, MetaGradientEstimator } from './estimator.js';
import { slotProblem, type MetaSlot } from './meta-slot.js';
import type { BatchData, Optimizee, OptimizeeFamily, TensorMap } from './types.js';

/** The jobs of one meta-step: every slot advanced by one truncation under the same φ. */
export interface MetaStepRequest {
  /** φ of this meta-step. Not taken over. */
  readonly phi: TensorMap;
  /** φ's version: the number of meta-steps before this one. Results for another version must be discarded. */
  readonly metaStep: number;
  /** The slots, in slot order. Not taken over (their tensors stay the caller's). */
  readonly slots: readonly MetaSlot[];
  /** The estimator to run each slot with (a remote executor runs the same estimator from its `config`). */
  readonly estimator: MetaGradientEstimator;
  /** The training family (a slot's problem is `slotProblem(family, slot.info)`). */
  readonly family: OptimizeeFamily<BatchData>;
}

/**
 * Runs the jobs of a meta-step somewhere: here (the default {@link inProcessExecutor}), in worker threads or on
 * other machines. Results come back in slot order whatever order the jobs finished in, so the trainer's average is
 * deterministic. A slot travels as JSON plus a blob (`encodeSlot` / `decodeSlot`).
 */
export interface MetaStepExecutor {
  readonly name: string;
  /** One estimate per slot, in slot order; the caller owns the returned tensors. */
  run(request: MetaStepRequest): Promise<readonly MetaGradientEstimate[]>;
  /** Frees what the executor holds (cached problems, workers). */
  dispose(): void;
}

/**
 * Runs every slot in this process, one after the other. Problems are drawn once per episode and kept while a slot
 * runs that episode (disposed when no slot of a request needs them any more, or on `dispose`).
 */
export function inProcessExecutor(): MetaStepExecutor {
  const problems = new Map<number, Optimizee<BatchData>>();
  return {
    name: 'in-process',
    async run({ phi, slots, estimator, family }) {
      const live = new Set(slots.map((s) => s.info.episode));
      for (const [episode, problem] of problems) {
        if (!live.has(episode)) {
          problem.dispose?.();
          problems.delete(episode);
        }
      }
      const out: MetaGradientEstimate[] = [];
      try {
        for (const slot of slots) {
          let problem = problems.get(slot.info.episode);
          if (problem === undefined) {
            problem = slotProblem(family, slot.info);
            problems.set(slot.info.episode, problem);
          }
          out.push(estimator.estimate(phi, slot, problem));
        }
      } catch (e) {
        for (const r of out) tf.dispose([r.metaGradient, r.slot.tensors] as tf.TensorContainer[]);
        throw e;
      }
      return out;
    },
    dispose() {
      for (const problem of problems.values()) problem.dispose?.();
      problems.clear();
    },
  };
}
