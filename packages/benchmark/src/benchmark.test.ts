import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, initEngine, type Optimizee, type OptimizeeFamily, type Optimizer, type Rng } from '@l2o/core';
import { makeBaseline, tuneLearningRate } from '@l2o/baselines';
import { benchmark, type BenchmarkLearnedEntry, type BenchmarkResult } from './benchmark.js';
import { writeBenchmarkReport } from './report.js';
import { defineTask, type BenchmarkTask, type DataSplit } from './task.js';

beforeAll(async () => {
  await initEngine('wasm');
});

const dirs: string[] = [];
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'l2o-bench-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** f(x; b) = a/2 (x − b)², a ~ U[0.5, 1.5) per problem, x₀ ~ N(0, 1), b ~ 0.3 N(0, 1) per minibatch. */
function toyFamily(counts: Record<DataSplit, number>, data: DataSplit): OptimizeeFamily<tf.Scalar> {
  return {
    name: `toy-${data}`,
    sample(rng: Rng): Optimizee<tf.Scalar> {
      counts[data]++;
      const a = tf.scalar(0.5 + rng.uniform());
      return {
        name: 'toy',
        init: (r) => ({ x: tf.scalar(r.normal()) }),
        sampleBatch: (r) => tf.scalar(0.3 * r.normal()),
        loss: (p, b) => tf.tidy(() => tf.mul(tf.mul(a, 0.5), tf.square(tf.sub(p['x']!, b))) as tf.Scalar),
        dispose: () => a.dispose(),
      };
    },
  };
}

function toyTask(counts: Record<DataSplit, number>, id = 'toy', steps = 12): BenchmarkTask {
  return defineTask({
    id,
    kind: 'quadratic',
    split: 'test',
    description: 'a 1-d noisy quadratic',
    family: (data) => toyFamily(counts, data) as unknown as OptimizeeFamily,
    steps,
    batchSize: 1,
    seed: 11,
    runs: 5,
    tuneProblems: 2,
  });
}

const zeroCounts = (): Record<DataSplit, number> => ({ train: 0, validation: 0, test: 0 });

/** A "learned" optimizer: plain gradient steps of 0.5, recording the run length it is told. */
function halfStep(seen: (number | undefined)[] = []): Optimizer {
  return {
    name: 'half',
    init: (_p, ctx) => {
      seen.push(ctx?.totalSteps);
      return {};
    },
    update: (grads) => ({
      updates: tf.tidy(() => Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, -0.5)]))),
      state: {},
    }),
  };
}

/** Everything of a result but the wall-clock measurements. */
function withoutTimes(r: BenchmarkResult): unknown {
  return JSON.parse(
    JSON.stringify(r, (k, v: unknown) =>
      ['secondsPerStep', 'secondsToAdamFinal', 'wallClockSpeedUp', 'seconds', 'medianWallClockSpeedUp'].includes(k)
        ? undefined
        : v,
    ),
  );
}

describe('benchmark', () => {
  it('tunes each baseline on the tuning problems exactly as tuneLearningRate does, and runs everyone on the same problems', async () => {
    const counts = zeroCounts();
    const seen: (number | undefined)[] = [];
    const before = tf.memory().numTensors;
    const result = await benchmark({
      tasks: [toyTask(counts)],
      learned: [{ name: 'half', optimizer: halfStep(seen) }],
      outDir: fresh(),
    });
    expect(tf.memory().numTensors).toBe(before);
    const task = result.tasks[0]!;
    // Tuning used validation data only, with the task's tuning seed: the same answer as a direct call.
    for (const b of ['sgd', 'adam'] as const) {
      const direct = await tuneLearningRate({
        name: b,
        make: (lr) => makeBaseline(b, lr),
        family: toyFamily(zeroCounts(), 'validation'),
        problems: 2,
        steps: 12,
        seed: 12,
      });
      const rec = task.tuning.find((t) => t.baseline === b)!;
      expect(rec.best).toBe(direct.best);
      expect(rec.scores).toEqual(direct.scores);
      expect(rec.bestAtEdge).toBe(false);
    }
    // The reported runs are problems 0…4 of one evaluate call with the task's seed, for every optimizer.
    for (const o of task.optimizers) {
      const optimizer = o.type === 'learned' ? halfStep() : makeBaseline(o.name as 'adam', o.learningRate!);
      const direct = await evaluate({
        family: toyFamily(zeroCounts(), 'test'),
        optimizers: [{ name: o.name, optimizer }],
        problems: 5,
        steps: 12,
        seed: 11,
      });
      expect(o.finalLosses).toEqual(direct.curves[0]!.finalLosses);
      expect(o.initialLosses).toEqual(direct.curves[0]!.losses!.map((row) => row[0]));
    }
    // Identical problems and θ₀: every optimizer starts from the same losses.
    const starts = task.optimizers.map((o) => o.initialLosses);
    for (const s of starts) expect(s).toEqual(starts[0]);
    expect(seen).toEqual([12, 12, 12, 12, 12]); // the learned optimizer was told the run length
    expect(counts.train).toBe(0);
  });

  it('resumes: a second call recomputes nothing, a killed one continues where it stopped, a new learned optimizer reuses the baselines', async () => {
    const outDir = fresh();
    const counts = zeroCounts();
    const learned: BenchmarkLearnedEntry[] = [{ name: 'half', optimizer: halfStep() }];
    const first = await benchmark({ tasks: [toyTask(counts)], learned, outDir });
    expect(counts.test).toBe(5); // one sample per run: every optimizer of a run shares it

    const again = zeroCounts();
    const second = await benchmark({ tasks: [toyTask(again)], learned, outDir });
    expect(again).toEqual({ train: 0, validation: 0, test: 0 });
    expect(second).toEqual(first);

    // Killed after two finished runs: the next call computes only the rest, and ends as an uninterrupted one.
    const killedDir = fresh();
    let events = 0;
    await expect(
      benchmark({
        tasks: [toyTask(zeroCounts())],
        learned,
        outDir: killedDir,
        onProgress: (p) => {
          if (p.phase === 'run' && ++events === 2) throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    const rest = zeroCounts();
    const resumed = await benchmark({ tasks: [toyTask(rest)], learned, outDir: killedDir });
    expect(rest).toEqual({ train: 0, validation: 0, test: 3 });
    expect(withoutTimes(resumed)).toEqual(withoutTimes(first));

    // Another learned optimizer: only its runs are computed (one sample per run), tunings and baselines reused.
    const more = zeroCounts();
    const third = await benchmark({
      tasks: [toyTask(more)],
      learned: [
        ...learned,
        {
          name: 'zero',
          optimizer: {
            ...halfStep(),
            update: (g) => ({ updates: tf.tidy(() => ({ x: tf.zerosLike(g['x']!) })), state: {} }),
          },
        },
      ],
      outDir,
    });
    expect(more).toEqual({ train: 0, validation: 0, test: 5 });
    const adam = (r: BenchmarkResult): number[] => r.tasks[0]!.optimizers.find((o) => o.name === 'adam')!.finalLosses;
    expect(adam(third)).toEqual(adam(first));

    // A different budget is a different tuning and a different run.
    const other = zeroCounts();
    await benchmark({ tasks: [toyTask(other, 'toy', 13)], learned, outDir });
    expect(other.validation).toBeGreaterThan(0);
    expect(other.test).toBe(5);
  });

  it('compares with tuned Adam and the best tuned baseline, counts divergence, and summarises', async () => {
    const counts = zeroCounts();
    const blowUp: Optimizer = {
      name: 'blow-up',
      init: () => ({}),
      update: (grads) => ({ updates: tf.tidy(() => ({ x: tf.mul(grads['x']!, 1e30) })), state: {} }),
    };
    const result = await benchmark({
      tasks: [toyTask(counts), toyTask(counts, 'toy-b')],
      learned: [
        { name: 'half', optimizer: halfStep() },
        { name: 'blow-up', optimizer: blowUp },
      ],
      outDir: fresh(),
    });
    for (const task of result.tasks) {
      const adam = task.optimizers.find((o) => o.name === 'adam')!;
      expect(adam.normalizedLoss).toBe(1);
      const baselines = task.optimizers.filter((o) => o.type === 'baseline');
      const best = baselines.reduce((a, b) => (b.meanFinal < a.meanFinal ? b : a));
      expect(task.bestBaseline).toBe(best.name);
      const half = task.optimizers.find((o) => o.name === 'half')!;
      expect(half.normalizedLoss).toBeCloseTo(half.meanFinal / adam.meanFinal, 12);
      expect(half.vsAdam!.beats).toBe(half.meanFinal < adam.meanFinal);
      const wins = half.finalLosses.filter((x, r) => x < adam.finalLosses[r]!).length;
      expect(half.vsAdam!.wins).toBe(wins);
      expect(half.vsBest!.against).toBe(best.name);
      const bad = task.optimizers.find((o) => o.name === 'blow-up')!;
      expect(bad.diverged).toBe(5);
      expect(bad.vsAdam!.beats).toBe(false);
      expect(bad.speedUp).toBeNull();
      expect(adam.speedUp).toBe(1);
    }
    const s = result.summary;
    expect(s.tasks.map((t) => t.id)).toEqual(['toy', 'toy-b']);
    expect(s.diverged).toEqual({ half: 0, 'blow-up': 10 });
    expect(s.winRateVsTunedAdam['blow-up']).toBe(0);
    const halfWins = result.tasks.filter((t) => t.optimizers.find((o) => o.name === 'half')!.vsAdam!.beats).length;
    expect(s.winRateVsTunedAdam['half']).toBe(halfWins / 2);
    expect(s.iqmNormalizedLoss['blow-up']).toBe(Number.POSITIVE_INFINITY);

    // The report: every file, and a table that says how many runs diverged.
    const out = fresh();
    const paths = writeBenchmarkReport(out, result, { title: 'toy benchmark', command: 'l2o benchmark --toy' });
    for (const p of Object.values(paths)) expect(existsSync(p)).toBe(true);
    const md = readFileSync(paths.report, 'utf8');
    expect(md).toContain('# toy benchmark');
    expect(md).toContain('Command: `l2o benchmark --toy`');
    expect(md).toContain('diverged on 5 of 5');
    const summary = JSON.parse(readFileSync(paths.summary, 'utf8'));
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining(['tasks', 'winRateVsTunedAdam', 'winRateVsBestTuned', 'iqmNormalizedLoss', 'diverged']),
    );
    expect(summary.iqmNormalizedLoss['blow-up']).toBe('Infinity');
    const svg = readFileSync(paths.svg, 'utf8');
    expect(svg.match(/class="panel"/g)).toHaveLength(2);
  });

  it('refuses bad options, naming the field', async () => {
    const tasks = [toyTask(zeroCounts())];
    const outDir = fresh();
    await expect(benchmark({ tasks: [], outDir })).rejects.toThrow(/tasks must be a non-empty array/);
    await expect(benchmark({ tasks: [tasks[0]!, tasks[0]!], outDir })).rejects.toThrow(/task "toy" is listed twice/);
    await expect(benchmark({ tasks, outDir, baselines: ['sgd'] })).rejects.toThrow(/baselines must include adam/);
    await expect(benchmark({ tasks, outDir, baselines: ['adamw' as 'adam'] })).rejects.toThrow(
      /unknown baseline "adamw"; allowed values: sgd, nag, rmsprop, adam/,
    );
    await expect(benchmark({ tasks, outDir, learned: [{ name: 'adam', optimizer: halfStep() }] })).rejects.toThrow(
      /learned\[0\]\.name "adam" is used twice or is a baseline's name/,
    );
    await expect(benchmark({ tasks, outDir, grid: [0] })).rejects.toThrow(/grid\[0\] must be a learning rate > 0/);
    await expect(benchmark({ tasks, outDir, divergenceFactor: 1 })).rejects.toThrow(
      /divergenceFactor must be a number > 1/,
    );
  });
});
