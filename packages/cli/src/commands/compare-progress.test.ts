import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComparisonProgress } from './compare-progress.js';

function withDir(body: (dir: string) => void): void {
  const root = mkdtempSync(join(tmpdir(), 'l2o-progress-'));
  try {
    body(join(root, 'progress'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

describe('ComparisonProgress', () => {
  it('keeps parts across instances with the same fingerprint, non-finite numbers included', () => {
    withDir((dir) => {
      const value = {
        losses: [[0.69, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.1]],
        best: 0.003,
      };
      new ComparisonProgress(dir, 'settings-a', false).put('runs-0', value);
      const back = new ComparisonProgress(dir, 'settings-a', true).get<typeof value>('runs-0');
      expect(back).toEqual(value);
      expect(Number.isNaN(back!.losses[0]![1])).toBe(true);
    });
  });

  it('does not return a part made with other settings', () => {
    withDir((dir) => {
      new ComparisonProgress(dir, 'settings-a', false).put('tune-adam', { best: 0.01 });
      expect(new ComparisonProgress(dir, 'settings-b', true).get('tune-adam')).toBeUndefined();
    });
  });

  it('starts empty without resume, so an earlier comparison cannot leak into a new one', () => {
    withDir((dir) => {
      new ComparisonProgress(dir, 'settings-a', false).put('tune-adam', { best: 0.01 });
      const fresh = new ComparisonProgress(dir, 'settings-a', false);
      expect(fresh.get('tune-adam')).toBeUndefined();
      expect(readdirSync(dir)).toEqual([]);
    });
  });

  it('treats a damaged part as missing', () => {
    withDir((dir) => {
      const p = new ComparisonProgress(dir, 'settings-a', false);
      p.put('tune-sgd', { best: 0.1 });
      writeFileSync(join(dir, 'tune-sgd.json'), '{"fingerprint":"settings-a","value":{"be');
      expect(new ComparisonProgress(dir, 'settings-a', true).get('tune-sgd')).toBeUndefined();
    });
  });
});
