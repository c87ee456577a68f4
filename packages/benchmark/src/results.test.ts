import { describe, expect, it } from 'vitest';
import type { BatchData, OptimizeeFamily } from '@l2o/core';
import { summariseBenchmark, summariseTask, type TaskResult } from './results.js';
import type { RunRecord, TuningRecord } from './store.js';
import { defineTask } from './task.js';

const task = defineTask({
  id: 't',
  kind: 'quadratic',
  split: 'test',
  description: 't',
  family: () => ({}) as OptimizeeFamily<BatchData>,
  steps: 40,
  batchSize: null,
  seed: 1,
  runs: 2,
});
const steps = Array.from({ length: 41 }, (_, t) => t);

/** Runs whose loss falls linearly from `start` to `end` over 40 steps (both runs alike, times as given). */
function linear(start: number, end: number, seconds = 0.4): RunRecord[] {
  const curve = steps.map((t) => start + ((end - start) * t) / 40);
  return [0, 1].map(() => ({ initial: start, final: end, firstNonFinite: null, curve, seconds }));
}

const tuning = (b: string): TuningRecord => ({
  baseline: b,
  best: 0.1,
  bestScore: 1,
  bestAtEdge: false,
  scores: [{ learningRate: 0.1, score: 1 }],
  initialGrid: [0.1],
  extended: 0,
  refined: 0,
  seconds: 0,
});

function result(learnedEnd: number, learnedSeconds = 0.4, id = 't'): TaskResult {
  return summariseTask(
    { ...task, id },
    {
      curveSteps: steps,
      tunings: [tuning('nag'), tuning('adam')],
      optimizers: [
        { name: 'L', type: 'learned', runs: linear(10, learnedEnd, learnedSeconds) },
        { name: 'nag', type: 'baseline', learningRate: 0.3, runs: linear(10, 1.5) },
        { name: 'adam', type: 'baseline', learningRate: 0.01, runs: linear(10, 2) },
      ],
      divergenceFactor: 10,
    },
  );
}

describe('summariseTask', () => {
  it('normalized loss, best baseline, paired comparisons and speed-ups on straight-line curves', () => {
    const r = result(0);
    const L = r.optimizers.find((o) => o.name === 'L')!;
    expect(r.bestBaseline).toBe('nag');
    expect(L.normalizedLoss).toBe(0);
    expect(L.vsAdam).toMatchObject({ against: 'adam', wins: 2, losses: 0, beats: true });
    expect(L.vsBest).toMatchObject({ against: 'nag', wins: 2, beats: true });
    // Adam's final loss for speed-ups: its curve averaged over the trailing 2 points (5% of 41) at step 40 = 2.1.
    // Adam's smoothed curve 10 − 0.2 t + 0.1 (after the first point) first reaches 2.1 at t = 40; L's
    // (10 − 0.25 t + 0.125) at t = 32.1, so step 33: a speed-up of 40 / 33.
    expect(r.optimizers.find((o) => o.name === 'adam')!.speedUp).toBe(1);
    expect(L.stepsToAdamFinal).toBe(33);
    expect(L.speedUp).toBeCloseTo(40 / 33, 12);
    expect(L.secondsPerStep).toBeCloseTo(0.01, 12);
    expect(L.secondsToAdamFinal).toBeCloseTo(0.33, 12);
    // Four times slower per step: the wall-clock speed-up is a quarter.
    const slow = result(0, 1.6).optimizers.find((o) => o.name === 'L')!;
    expect(slow.wallClockSpeedUp).toBeCloseTo(40 / 33 / 4, 12);
    // Never reaching Adam's final loss: no speed-up.
    const worse = result(5).optimizers.find((o) => o.name === 'L')!;
    expect(worse.speedUp).toBeNull();
    expect(worse.vsAdam!.beats).toBe(false);
    expect(worse.normalizedLoss).toBe(2.5);
  });

  it('counts a run as diverged when it ends far above its start or goes non-finite', () => {
    const runs: RunRecord[] = [
      { initial: 1, final: 11, firstNonFinite: null, curve: steps.map(() => 1), seconds: 1 },
      { initial: 1, final: Number.NaN, firstNonFinite: 5, curve: steps.map(() => 1), seconds: 1 },
    ];
    const r = summariseTask(task, {
      curveSteps: steps,
      tunings: [tuning('adam')],
      optimizers: [
        { name: 'L', type: 'learned', runs },
        { name: 'adam', type: 'baseline', learningRate: 0.01, runs: linear(10, 2) },
      ],
      divergenceFactor: 10,
    });
    const L = r.optimizers.find((o) => o.name === 'L')!;
    expect(L.diverged).toBe(2);
    expect(L.meanFinal).toBeNaN();
    expect(L.normalizedLoss).toBe(Number.POSITIVE_INFINITY);
    expect(L.vsAdam!.beats).toBe(false);
    expect(() =>
      summariseTask(task, {
        curveSteps: steps,
        tunings: [],
        optimizers: [{ name: 'sgd', type: 'baseline', learningRate: 1, runs: linear(10, 2) }],
        divergenceFactor: 10,
      }),
    ).toThrow(/tuned Adam is missing/);
  });
});

describe('summariseBenchmark', () => {
  it('win rates and IQM over the main tasks; divergences over all, long runs included', () => {
    const tasks = [result(0, 0.4, 'a'), result(5, 0.4, 'b'), result(1.8, 0.4, 'c'), result(2.2, 0.4, 'd')];
    const long = { ...result(0, 0.4, 'a-long'), longRunOf: 'a' };
    const s = summariseBenchmark([...tasks, long], ['L']);
    expect(s.tasks).toHaveLength(5);
    expect(s.tasks[4]!.longRunOf).toBe('a');
    // Beats Adam (2.0) on a (0) and c (1.8); beats NAG (1.5) only on a.
    expect(s.winRateVsTunedAdam).toEqual({ L: 0.5 });
    expect(s.winRateVsBestTuned).toEqual({ L: 0.25 });
    // Normalized: 0, 2.5, 0.9, 1.1 → IQM of the middle two = 1.
    expect(s.iqmNormalizedLoss['L']).toBeCloseTo(1, 12);
    expect(s.diverged).toEqual({ L: 0 });
    expect(s.learned[0]!).toMatchObject({ tasks: 4, winsVsTunedAdam: 2, winsVsBestTuned: 1, longRunTasks: 1 });
    expect(s.bestTunedCounts).toEqual({ nag: 4 });
    expect(s.tasks[0]!.tunedAdam).toEqual({ learningRate: 0.01, meanFinal: 2 });
    expect(s.tasks[0]!.bestTuned).toEqual({ name: 'nag', learningRate: 0.3, meanFinal: 1.5 });
    expect(s.tasks[0]!.learned['L']).toMatchObject({
      beatsTunedAdam: true,
      beatsBestTuned: true,
      winsVsTunedAdam: 2,
      runs: 2,
    });
  });
});
