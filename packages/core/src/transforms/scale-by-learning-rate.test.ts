import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initEngine } from '../engine/engine.js';
import { linearSchedule } from '../schedules/linear.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';
import { runSteps } from './transform-test-support.js';

beforeAll(async () => {
  await initEngine('cpu');
});

describe('scaleByLearningRate', () => {
  it('a constant rate: out = −α u, no state', () => {
    const run = runSteps(scaleByLearningRate(0.25), { x: [0, 0] }, [{ x: [1, -8] }, { x: [4, 2] }]);
    expect(run.updates.map((u) => u['x'])).toEqual([
      [-0.25, 2],
      [-1, -0.5],
    ]);
    expect(run.states).toEqual([{}, {}]);
  });

  it('a schedule: step t = 0, 1, 2 reads α(t), and the state counts the updates', () => {
    const run = runSteps(
      scaleByLearningRate((t) => [0.5, 0.25, 2][t]!),
      { x: [0] },
      [{ x: [4] }, { x: [4] }, { x: [-1] }],
    );
    expect(run.updates.map((u) => u['x'])).toEqual([[-2], [-1], [2]]);
    expect(run.states).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
  });

  it('the schedule resumes from a state: steps 2… after a restart read α(2)…', () => {
    const lr = linearSchedule({ initialValue: 1, finalValue: 0, steps: 4 });
    const opt = scaleByLearningRate(lr);
    const p = { x: tf.zeros([1]) };
    const g = { x: tf.ones([1]) };
    const step = opt.update(g, { step: 2 }, p);
    expect(Array.from(step.updates['x']!.dataSync())).toEqual([-0.5]);
    expect(step.state).toEqual({ step: 3 });
    tf.dispose([p, g, step.updates] as tf.TensorContainer);
  });

  it('records the schedule in its config; a plain function has none', () => {
    const lr = linearSchedule({ initialValue: 1, finalValue: 0, steps: 4 });
    expect(scaleByLearningRate(lr).config).toEqual({
      name: 'scaleByLearningRate',
      learningRate: { name: 'linearSchedule', initialValue: 1, finalValue: 0, steps: 4 },
    });
    expect(scaleByLearningRate(0.1).config).toEqual({ name: 'scaleByLearningRate', learningRate: 0.1 });
    expect(scaleByLearningRate(() => 0.1).config).toBeUndefined();
  });

  it('rejects bad rates, and schedules giving non-finite or negative rates at the step they do', () => {
    expect(() => scaleByLearningRate(0)).toThrow(
      /scaleByLearningRate: learningRate must be a finite number > 0; got 0/,
    );
    expect(() => scaleByLearningRate('0.1' as unknown as number)).toThrow(
      /learningRate must be a finite number > 0 or a schedule/,
    );
    const opt = scaleByLearningRate((t) => (t < 1 ? 0.1 : Number.NaN));
    const p = { x: tf.zeros([1]) };
    const s1 = opt.update(p, opt.init(p), p);
    expect(() => opt.update(p, s1.state, p)).toThrow(/the schedule gave NaN at step 1; learning rates must be finite/);
    expect(() =>
      runSteps(
        scaleByLearningRate(() => -1),
        { x: [0] },
        [{ x: [1] }],
      ),
    ).toThrow(/gave -1 at step 0/);
    expect(() => opt.update(p, {} as { step: number }, p)).toThrow(
      /scaleByLearningRate\.update: state must be \{ step \}/,
    );
    tf.dispose([p, s1.updates] as tf.TensorContainer);
  });
});
