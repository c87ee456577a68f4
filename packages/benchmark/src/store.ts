import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from '@l2o/core/extend';
import { L2oError } from '@l2o/core';
import { writeFileAtomic } from '@l2o/core/node';

/** A learning-rate tuning as kept in the store (what `tuneLearningRate` returned, plus its cost). */
export interface TuningRecord {
  readonly baseline: string;
  readonly best: number;
  readonly bestScore: number;
  readonly bestAtEdge: boolean;
  /** Every evaluated rate and its score (mean final loss over the tuning problems; +∞ when any diverged). */
  readonly scores: ReadonlyArray<{ readonly learningRate: number; readonly score: number }>;
  /** The initial grid asked for. */
  readonly initialGrid: readonly number[];
  readonly extended: number;
  readonly refined: number;
  readonly seconds: number;
}

/** One reported run of one optimizer, as kept in the store. */
export interface RunRecord {
  /** f(θ₀). */
  readonly initial: number;
  /** f(θ_steps). */
  readonly final: number;
  /** The first step whose loss was not finite, or null. */
  readonly firstNonFinite: number | null;
  /** The loss at each of the task's curve steps ({@link curveSteps}), rounded to 6 significant digits ({@link roundCurvePoint}). */
  readonly curve: readonly number[];
  /** Wall-clock seconds of the run's steps (gradient and update), measured around the optimizer. */
  readonly seconds: number;
}

/** The steps at which curves are kept: every step up to 100 steps, else 101 evenly spaced steps (0 and the last). */
export function curveSteps(steps: number): number[] {
  if (steps <= 100) return Array.from({ length: steps + 1 }, (_, t) => t);
  const out = new Set<number>();
  for (let i = 0; i <= 100; i++) out.add(Math.round((i * steps) / 100));
  return [...out].sort((a, b) => a - b);
}

/**
 * A number for JSON, which cannot hold NaN or ±∞: they become the strings "NaN", "Infinity", "-Infinity". With
 * `digits`, finite numbers are rounded to that many significant digits; without, they are kept exactly.
 */
export function encodeNumber(x: number, digits?: number): number | string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  return digits === undefined ? x : Number(x.toPrecision(digits));
}

/** Curve points are kept to 6 significant digits (in memory as on disk, so a resumed benchmark gives the same result). */
export function roundCurvePoint(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x;
}

export function decodeNumber(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  throw new L2oError('INVALID_DATA', `${where}: expected a number, "NaN" or "±Infinity", got ${JSON.stringify(v)}`);
}

function fileKey(key: string): string {
  return crc32(new TextEncoder().encode(key)).toString(16).padStart(8, '0');
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
}

/**
 * The resume store of a benchmark output folder: `cache/tuning/<task>/<baseline>-<hash>.json` and
 * `cache/runs/<task>/<optimizer>-<hash>.json`. Every file carries the full key it was written under (task, grid,
 * budget, seeds, optimizer identity…) and is ignored unless that key matches, so changing a setting recomputes
 * only what it affects. Files are replaced atomically: a killed run leaves each file whole, old or new.
 */
export class BenchmarkStore {
  readonly dir: string;

  constructor(outDir: string) {
    this.dir = join(outDir, 'cache');
  }

  private path(kind: 'tuning' | 'runs', task: string, label: string, key: string): string {
    return join(this.dir, kind, task, `${safeName(label)}-${fileKey(key)}.json`);
  }

  private read(path: string, key: string): Record<string, unknown> | undefined {
    if (!existsSync(path)) return undefined;
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, 'utf8'));
    } catch (e) {
      throw new L2oError(
        'INVALID_DATA',
        `${path}: not a readable benchmark cache file (${(e as Error).message}); delete it to recompute`,
        { cause: e },
      );
    }
    if (data === null || typeof data !== 'object' || (data as { key?: unknown }).key !== key) return undefined;
    return data as Record<string, unknown>;
  }

  private write(path: string, value: unknown): void {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileAtomic(path, `${JSON.stringify(value)}\n`);
  }

  readTuning(task: string, baseline: string, key: string): TuningRecord | undefined {
    const path = this.path('tuning', task, baseline, key);
    const data = this.read(path, key);
    if (!data) return undefined;
    const r = data['tuning'] as Record<string, unknown>;
    const scores = (r['scores'] as Array<{ learningRate: number; score: unknown }>).map((s) => ({
      learningRate: s.learningRate,
      score: decodeNumber(s.score, `${path}: scores`),
    }));
    return { ...(r as unknown as TuningRecord), bestScore: decodeNumber(r['bestScore'], path), scores };
  }

  writeTuning(task: string, baseline: string, key: string, record: TuningRecord): void {
    const tuning = {
      ...record,
      bestScore: encodeNumber(record.bestScore),
      scores: record.scores.map((s) => ({ learningRate: s.learningRate, score: encodeNumber(s.score) })),
    };
    this.write(this.path('tuning', task, baseline, key), { key, tuning });
  }

  /** The stored runs of one optimizer on one task, by run index. */
  readRuns(task: string, label: string, key: string): Map<number, RunRecord> {
    const path = this.path('runs', task, label, key);
    const data = this.read(path, key);
    const out = new Map<number, RunRecord>();
    if (!data) return out;
    const runs = data['runs'] as Record<string, Record<string, unknown>>;
    for (const [r, v] of Object.entries(runs)) {
      const where = `${path}: run ${r}`;
      out.set(Number(r), {
        initial: decodeNumber(v['initial'], where),
        final: decodeNumber(v['final'], where),
        firstNonFinite: v['firstNonFinite'] as number | null,
        curve: (v['curve'] as unknown[]).map((x) => decodeNumber(x, where)),
        seconds: v['seconds'] as number,
      });
    }
    return out;
  }

  /** Replaces the runs file of one optimizer on one task with `runs`. */
  writeRuns(task: string, label: string, key: string, runs: ReadonlyMap<number, RunRecord>): void {
    const out: Record<string, unknown> = {};
    for (const [r, v] of [...runs.entries()].sort((a, b) => a[0] - b[0])) {
      out[String(r)] = {
        initial: encodeNumber(v.initial),
        final: encodeNumber(v.final),
        firstNonFinite: v.firstNonFinite,
        curve: v.curve.map((x) => encodeNumber(roundCurvePoint(x))),
        seconds: v.seconds,
      };
    }
    this.write(this.path('runs', task, label, key), { key, runs: out });
  }
}
