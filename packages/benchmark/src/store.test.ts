import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BenchmarkStore, curveSteps, decodeNumber, encodeNumber, type RunRecord, type TuningRecord } from './store.js';

const dirs: string[] = [];
const fresh = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'l2o-store-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('BenchmarkStore', () => {
  it('curve steps: every step up to 100, else 101 evenly spaced ones', () => {
    expect(curveSteps(3)).toEqual([0, 1, 2, 3]);
    expect(curveSteps(100)).toHaveLength(101);
    const long = curveSteps(1000);
    expect(long).toHaveLength(101);
    expect(long.slice(0, 3)).toEqual([0, 10, 20]);
    expect(long[100]).toBe(1000);
  });

  it('encodes the numbers JSON cannot hold and keeps finite ones exactly', () => {
    for (const x of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1 + 0.2, Math.fround(0.1)]) {
      const back = decodeNumber(JSON.parse(JSON.stringify(encodeNumber(x))), 'x');
      expect(Object.is(back, x)).toBe(true);
    }
    expect(encodeNumber(0.123456789, 3)).toBe(0.123);
    expect(() => decodeNumber('inf', 'where')).toThrow(/where: expected a number/);
  });

  it('round-trips tunings and runs, only under the same key', () => {
    const store = new BenchmarkStore(fresh());
    const tuning: TuningRecord = {
      baseline: 'adam',
      best: 0.01,
      bestScore: 0.5,
      bestAtEdge: false,
      scores: [
        { learningRate: 0.01, score: 0.5 },
        { learningRate: 10, score: Number.POSITIVE_INFINITY },
      ],
      initialGrid: [0.01, 10],
      extended: 0,
      refined: 0,
      seconds: 1.5,
    };
    store.writeTuning('t', 'adam', 'key-1', tuning);
    expect(store.readTuning('t', 'adam', 'key-1')).toEqual(tuning);
    expect(store.readTuning('t', 'adam', 'key-2')).toBeUndefined();
    const runs = new Map<number, RunRecord>([
      [2, { initial: 2.5, final: Number.NaN, firstNonFinite: 3, curve: [2.5, 1, Number.NaN], seconds: 0.25 }],
      [0, { initial: 2.25, final: Math.fround(0.3), firstNonFinite: null, curve: [2.25, 1, 0.3], seconds: 0.5 }],
    ]);
    store.writeRuns('t', 'preset:x', 'run-key', runs);
    const back = store.readRuns('t', 'preset:x', 'run-key');
    expect([...back.keys()]).toEqual([0, 2]);
    expect(back.get(0)).toEqual(runs.get(0));
    expect(back.get(2)!.final).toBeNaN();
    expect(back.get(2)!.curve[2]).toBeNaN();
    expect(store.readRuns('t', 'preset:x', 'other-key').size).toBe(0);
    // Atomic writes leave no temporary files behind.
    const files = readdirSync(join(store.dir, 'runs', 't'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^preset_x-[0-9a-f]{8}\.json$/);
  });

  it('names the file of a corrupt cache entry', () => {
    const store = new BenchmarkStore(fresh());
    store.writeRuns('t', 'adam', 'k', new Map());
    const file = join(store.dir, 'runs', 't', readdirSync(join(store.dir, 'runs', 't'))[0]!);
    writeFileSync(file, '{"key": "k", "runs": ');
    expect(() => store.readRuns('t', 'adam', 'k')).toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable benchmark cache file`),
    );
  });
});
