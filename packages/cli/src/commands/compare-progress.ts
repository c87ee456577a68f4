import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDirectory, writeFileAtomic } from '@l2o/core/node';

/** A JSON value with non-finite numbers written as `{ "$number": "NaN" | "Infinity" | "-Infinity" }`. */
function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && !Number.isFinite(v) ? { $number: String(v) } : v,
  );
}

function decode(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === '$number' && typeof o['$number'] === 'string') return Number(o['$number']);
    }
    return v;
  });
}

/**
 * The finished parts of a long comparison (each baseline's tuning, each chunk of test runs), one JSON file per
 * part in `dir`, each stamped with the fingerprint of the settings that produced it. With `resume`, parts whose
 * fingerprint matches are returned by {@link get} and need not be recomputed; without it, the folder is cleared
 * first so that no part of an earlier comparison can leak into this one. Files are written atomically, so a
 * killed run loses at most the part it was computing.
 */
export class ComparisonProgress {
  readonly #dir: string;
  readonly #fingerprint: string;

  constructor(dir: string, fingerprint: string, resume: boolean) {
    this.#dir = dir;
    this.#fingerprint = fingerprint;
    if (!resume && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    ensureDirectory(dir);
  }

  /** The kept value of part `key`, or undefined if it is missing, unreadable or from other settings. */
  get<T>(key: string): T | undefined {
    const file = join(this.#dir, `${key}.json`);
    if (!existsSync(file)) return undefined;
    try {
      const saved = decode(readFileSync(file, 'utf8')) as { fingerprint?: unknown; value?: unknown };
      return saved.fingerprint === this.#fingerprint ? (saved.value as T) : undefined;
    } catch {
      return undefined; // a damaged part is recomputed
    }
  }

  /** Keeps part `key` (atomically replacing any earlier file of that name). */
  put(key: string, value: unknown): void {
    writeFileAtomic(join(this.#dir, `${key}.json`), `${encode({ fingerprint: this.#fingerprint, value })}\n`);
  }
}
