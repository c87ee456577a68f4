import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CIFAR10_IMAGE_SIZE, CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES, encodeCifarBinary } from '@l2o/optimizee-cifar';

import { BUILT_BIN as BIN, runBuiltCli as l2o } from './run-built-cli.js';

/** A CIFAR-10 folder in the official binary format: random pixels, labels cycling through the ten classes. */
function writeCifarFixture(dir: string, perTrainFile: number, test: number): void {
  let seed = 12345;
  const byte = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 24) & 255;
  };
  const file = (n: number, offset: number): Uint8Array =>
    encodeCifarBinary(
      Array.from({ length: n }, (_, i) => (i + offset) % 10),
      Array.from({ length: n * CIFAR10_IMAGE_SIZE }, byte),
    );
  CIFAR10_TRAIN_FILES.forEach((f, k) => writeFileSync(join(dir, f), file(perTrainFile, k)));
  writeFileSync(join(dir, CIFAR10_TEST_FILE), file(test, 7));
}

describe('l2o reproduce cifar (offline data, tiny budgets)', () => {
  it('fine-tunes the general preset as a conv/fc pair, tunes the four baselines, writes the report, and resumes', async () => {
    expect(existsSync(BIN), `${BIN} is missing; build first`).toBe(true);
    const out = mkdtempSync(join(tmpdir(), 'l2o-cifar-'));
    try {
      const args = [
        'reproduce',
        'cifar',
        '--backend',
        'wasm',
        '--epochs',
        '2',
        '--horizon',
        '4',
        '--unroll',
        '2',
        '--steps',
        '4',
        '--runs',
        '2',
        '--tune-problems',
        '1',
        '--grid',
        '0.01,0.1',
        '--validation-problems',
        '1',
        '--validate-every',
        '1',
        '--batch-size',
        '8',
        '--out',
        out,
      ];
      const r = await l2o(args);
      expect(r.code, r.stderr).toBe(0);
      // The saved optimizer is a partition of two hyper optimizers (conv kernels / the rest) whose φ started as
      // the general preset's, and loads back for evaluation.
      const manifest = JSON.parse(
        readFileSync(join(out, 'train-general-pair', 'optimizer', 'manifest.json'), 'utf8'),
      ) as { kind: string; config: { groups: { name: string; kind: string }[] } };
      expect(manifest.kind).toBe('partition');
      expect(manifest.config.groups.map((g) => [g.name, g.kind])).toEqual([
        ['conv', 'hyper'],
        ['fc', 'hyper'],
      ]);
      const report = readFileSync(join(out, 'README.md'), 'utf8');
      expect(report).toContain('cats vs dogs, held-out test images');
      for (const name of ['general-pair', 'preset general', 'SGD', 'RMSPROP', 'ADAM', 'NAG'])
        expect(report).toMatch(new RegExp(`\\| ${name}\\b`));
      expect(report).toMatch(/held-out-class study/); // the offline run says what it cannot do
      expect(report).toMatch(/## Paired wins[\s\S]*\| general-pair \| 4 \| \d+\/2 \|/);
      expect(report).toMatch(/meta-training general-pair: \d/);
      expect(existsSync(join(out, 'cifar-row-1.svg'))).toBe(true);
      const resultText = readFileSync(join(out, 'row-1', 'result.json'), 'utf8');
      const result = JSON.parse(resultText) as { result: { curves: { name: string; mean: number[] }[] } };
      expect(result.result.curves).toHaveLength(6);
      for (const c of result.result.curves) {
        expect(c.mean).toHaveLength(5); // steps 0…4
        expect(c.mean[0]).toBeGreaterThan(0.5); // a 2-way problem starts near ln 2
        expect(c.mean[0]).toBeLessThan(0.9);
      }

      // Resumed after it finished: every part is kept, nothing is recomputed, the same numbers come out.
      const again = await l2o([...args, '--resume']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toContain('general-pair: meta-training kept from the earlier run');
      for (const b of ['sgd', 'rmsprop', 'adam', 'nag']) expect(again.stderr).toContain(`${b}: tuning kept`);
      expect(again.stderr).not.toMatch(/meta-train: |tune adam/);
      const resumed = JSON.parse(readFileSync(join(out, 'row-1', 'result.json'), 'utf8')) as typeof result;
      expect(resumed.result.curves.map((c) => c.mean)).toEqual(result.result.curves.map((c) => c.mean));

      // Resumed with another batch size: the kept tunings are not for these problems and are redone.
      const other = await l2o([...args.map((a, i) => (args[i - 1] === '--batch-size' ? '6' : a)), '--resume']);
      expect(other.code, other.stderr).toBe(0);
      expect(other.stderr).not.toContain('adam: tuning kept');
      expect(other.stderr).toMatch(/tune adam/);

      // --skip-train with another --out (it once failed after all the runs, writing its baseline levels into
      // <out>/train-general-pair, which only a training in that --out creates): the report is written, and the
      // meta-training section is read from the given folder's run.
      const out2 = join(out, 'skip');
      const skip = await l2o([
        ...args.map((a, i) => (args[i - 1] === '--out' ? out2 : a)),
        '--skip-train',
        join(out, 'train-general-pair', 'optimizer'),
      ]);
      expect(skip.code, skip.stderr).toBe(0);
      expect(skip.stderr).not.toMatch(/meta-train: /);
      const skipped = readFileSync(join(out2, 'README.md'), 'utf8');
      expect(skipped).toMatch(
        /general-pair's validation score .*against the tuned baselines on the same problems: tuned SGD/,
      );
      expect(existsSync(join(out2, 'train-general-pair'))).toBe(false);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('with full CIFAR-10 (a fixture in the official format): LSTM and LSTM-sub on CIFAR-10, CIFAR-5 and CIFAR-2', async () => {
    const data = mkdtempSync(join(tmpdir(), 'l2o-cifar10-'));
    const out = mkdtempSync(join(tmpdir(), 'l2o-cifar-full-'));
    try {
      // 5 × 1,010 training images: the last 5,000 are the validation split, 50 remain for training.
      writeCifarFixture(data, 1_010, 60);
      const r = await l2o([
        'reproduce',
        'cifar',
        '--backend',
        'wasm',
        '--optimizer',
        'lstm',
        '--estimator',
        'bptt',
        '--cifar-dir',
        data,
        '--epochs',
        '1',
        '--horizon',
        '2',
        '--unroll',
        '1',
        '--steps',
        '2',
        '--runs',
        '1',
        '--tune-problems',
        '1',
        '--grid',
        '0.01,0.1',
        '--validation-problems',
        '1',
        '--validate-every',
        '1',
        '--batch-size',
        '4',
        '--out',
        out,
      ]);
      expect(r.code, r.stderr).toBe(0);
      const report = readFileSync(join(out, 'README.md'), 'utf8');
      expect(report).toContain('on full CIFAR-10');
      for (const label of [
        '| CIFAR-10 |',
        'CIFAR-5 (held-out classes: dog, frog, horse, ship, truck)',
        'CIFAR-2 (held-out classes: ship, truck)',
      ]) {
        expect(report).toContain(label);
      }
      const sub = JSON.parse(readFileSync(join(out, 'train-lstm-sub', 'history.json'), 'utf8')) as {
        training: { task: string };
      };
      expect(sub.training.task).toMatch(/classes-0-1-2-3-4/); // LSTM-sub saw the five classes disjoint from CIFAR-5 only
      const row2 = JSON.parse(readFileSync(join(out, 'row-2', 'result.json'), 'utf8')) as {
        result: { curves: { name: string; mean: number[] }[] };
      };
      expect(row2.result.curves.map((c) => c.name.replace(/ \(lr .*\)$/, ''))).toEqual([
        'LSTM',
        'LSTM-sub',
        'preset general',
        'SGD',
        'RMSPROP',
        'ADAM',
        'NAG',
      ]);
      expect(row2.result.curves[0]!.mean[0]).toBeCloseTo(Math.log(5), 0); // a 5-way head
    } finally {
      rmSync(data, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('rejects a class the data does not hold, naming the allowed values', async () => {
    const r = await l2o(['train', '--task', 'cifar', '--classes', 'cat,frog', '--epochs', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--classes: "frog" is not a class of this data; allowed values: .*cat.*dog/);
  });
});
