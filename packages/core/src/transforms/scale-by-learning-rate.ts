import * as tf from '@tensorflow/tfjs';
import { checkPositive } from '../optimizer-options.js';
import type { Schedule } from '../schedules/schedule.js';
import type { JsonObject, Optimizer, TensorMap } from '../types.js';
import { checkStateFields, type EmptyState, mapUpdates } from './transform-support.js';
import { L2oError } from '../l2o-error.js';

/** A step size: a number, or a function of the step (a `Schedule`, or any `(step) => number`). */
export type LearningRate = number | Schedule | ((step: number) => number);

/** The state of `scaleByLearningRate` with a schedule: the number of updates taken so far. */
export type ScheduledState = { readonly step: number };

/**
 * The step size and the descent sign: out = −α(t) · u, with t = 0 at the first update. With a constant α it keeps
 * no state; with a schedule its state `{ step }` counts the updates, so the schedule survives checkpoints. A
 * schedule must give finite numbers ≥ 0 (a negative rate would ascend); it is refused at the step it does not.
 */
export function scaleByLearningRate(learningRate: number): Optimizer<EmptyState>;
export function scaleByLearningRate(learningRate: Schedule | ((step: number) => number)): Optimizer<ScheduledState>;
export function scaleByLearningRate(learningRate: LearningRate): Optimizer<EmptyState | ScheduledState>;
export function scaleByLearningRate(learningRate: LearningRate): Optimizer<EmptyState | ScheduledState> {
  const where = 'scaleByLearningRate';
  if (typeof learningRate === 'function') return scheduled(learningRate, where);
  if (typeof learningRate !== 'number') {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: learningRate must be a finite number > 0 or a schedule; got ${String(learningRate)}`,
    );
  }
  const lr = checkPositive(where, 'learningRate', learningRate);
  return {
    name: `${where}(${lr})`,
    config: { name: where, learningRate: lr },
    init: (): EmptyState => ({}),
    update(updates) {
      const out = tf.tidy(() => mapUpdates(updates, (u) => tf.mul(u, -lr)));
      return { updates: out, state: {} };
    },
  };
}

function scheduled(schedule: (step: number) => number, where: string): Optimizer<ScheduledState> {
  const described = (schedule as Partial<Schedule>).config;
  const config: JsonObject | undefined =
    described !== null && typeof described === 'object' ? { name: where, learningRate: described } : undefined;
  const name = described ? `${where}(${JSON.stringify(described)})` : `${where}(${schedule.name || 'schedule'})`;
  const out: Optimizer<ScheduledState> = {
    name,
    init: (): ScheduledState => ({ step: 0 }),
    update(updates, state) {
      checkStateFields(state, ['step'], `${where}.update`);
      const lr = schedule(state.step);
      if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
        throw new L2oError(
          'INVALID_OPTION',
          `${where}: the schedule gave ${String(lr)} at step ${state.step}; learning rates must be finite numbers ≥ 0`,
        );
      }
      const next: TensorMap = tf.tidy(() => mapUpdates(updates, (u) => tf.mul(u, -lr)));
      return { updates: next, state: { step: state.step + 1 } };
    },
  };
  return config ? { ...out, config } : out;
}
