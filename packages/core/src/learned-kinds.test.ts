import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initEngine } from './engine/engine.js';
import {
  decodeLearned,
  encodeLearned,
  learnedFromConfig,
  learnedKindFor,
  registerLearnedKind,
  registeredLearnedKinds,
} from './learned-kinds.js';
import { loadLearned, saveLearned } from './node.js';
import { partitionLearned } from './partition.js';
import { residualLearned } from './residual.js';
import { adam } from './adam.js';
import { Rng } from './rng.js';
import { disposeMap } from './tensor-map.js';
import { tinyGradientOnly } from './test-fixtures.js';
import type { LearnedOptimizer, TensorMap } from './types.js';

/** A learned optimizer whose one meta-parameter "w" has shape [n] (n from its config): Δθ = −Σw · g. */
function vecLearned(n: number): LearnedOptimizer<tf.Tensor[]> {
  return {
    name: `vec${n}`,
    kind: 'test-vec',
    config: { n },
    initMetaParams: () => ({ w: tf.fill([n], 0.1) }),
    withMetaParams: (phi) => ({
      name: `vec${n}`,
      init: () => [],
      update: (grads, state) =>
        tf.tidy(() => ({
          updates: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(tf.neg(tf.sum(phi['w']!)), g)])),
          state,
        })),
    }),
  };
}

let root: string;
beforeAll(async () => {
  await initEngine('wasm');
  registerLearnedKind({ kind: 'test-sign', create: (c) => tinyGradientOnly('test-sign', Number(c['a'])) });
  registerLearnedKind({ kind: 'test-vec', create: (c) => vecLearned(Number(c['n'])) });
});
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'l2o-kinds-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function saveUnbound(learned: LearnedOptimizer, edit: (m: Record<string, unknown>) => Record<string, unknown>): string {
  const dir = join(root, learned.kind);
  const phi = learned.initMetaParams(Rng.seeded(0));
  saveLearned(dir, { learned, metaParams: phi });
  disposeMap(phi);
  const path = join(dir, 'manifest.json');
  const { binding: _, ...unbound } = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify(edit(unbound)));
  return dir;
}

function values(m: TensorMap): Record<string, number[]> {
  return Object.fromEntries(Object.entries(m).map(([k, t]) => [k, [...t.dataSync()]]));
}

describe('the registry of learned-optimizer kinds', () => {
  it("lists core's composite kinds and what was registered; an unknown kind names them all", () => {
    expect(registeredLearnedKinds()).toEqual(
      expect.arrayContaining(['partition', 'residual', 'test-sign', 'test-vec']),
    );
    expect(learnedKindFor('residual').kind).toBe('residual');
    expect(() => learnedKindFor('nope', 'src')).toThrow(
      /^src: unknown learned optimizer kind "nope"; registered kinds: .*partition, residual, test-sign, test-vec/,
    );
  });

  it('saves and loads any registered kind by the kind in its manifest, bit for bit', () => {
    const learned = vecLearned(3);
    const phi = { w: tf.tensor1d([0.5, -1.25, 3]) };
    const dir = join(root, 'vec');
    saveLearned(dir, { learned, metaParams: phi, training: { epochs: 2 } });
    const before = tf.memory().numTensors;
    const loaded = loadLearned(dir);
    expect([loaded.learned.kind, loaded.learned.name, loaded.manifest.training]).toEqual([
      'test-vec',
      'vec3',
      { epochs: 2 },
    ]);
    expect(values(loaded.metaParams)).toEqual(values(phi));
    disposeMap(loaded.metaParams);
    expect(tf.memory().numTensors).toBe(before);
    disposeMap(phi);
  });

  it('encodes and decodes without a file system (the main entry)', () => {
    const learned = tinyGradientOnly('test-sign', 0.3);
    const phi = learned.initMetaParams(Rng.seeded(0));
    const { manifest, weights } = encodeLearned({ learned, metaParams: phi });
    const json = JSON.parse(JSON.stringify(manifest)) as unknown;
    const loaded = decodeLearned(json, weights, 'mem');
    expect([loaded.learned.kind, loaded.learned.config]).toEqual(['test-sign', { a: 0.3 }]);
    expect(values(loaded.metaParams)).toEqual(values(phi));
    disposeMap(loaded.metaParams);
    disposeMap(phi);
  });

  it("refuses weights that are not the manifest kind's, naming the artifact, the kind and the first weight", () => {
    // Saved as test-sign (weights a, b, d); the manifest claims test-vec (weight w): the weights do not fit.
    const dir = saveUnbound(tinyGradientOnly('test-sign', 0.1), (m) => ({ ...m, kind: 'test-vec', config: { n: 1 } }));
    const before = tf.memory().numTensors;
    expect(() => loadLearned(dir)).toThrow(
      `${dir}: the weights do not belong to kind "test-vec" (vec1) with this config: missing "w"; unexpected "a", "b", "d"`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a weight whose shape is not the one the manifest config builds', () => {
    const dir = saveUnbound(vecLearned(3), (m) => ({ ...m, config: { n: 4 } }));
    const before = tf.memory().numTensors;
    expect(() => loadLearned(dir)).toThrow(
      `${dir}: the weights do not belong to kind "test-vec" (vec4) with this config: "w" has shape [3] where kind "test-vec" needs [4]`,
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an artifact of an unregistered kind, listing the registered kinds', () => {
    const dir = saveUnbound(vecLearned(2), (m) => ({ ...m, kind: 'mystery' }));
    const before = tf.memory().numTensors;
    expect(() => loadLearned(dir)).toThrow(
      new RegExp(
        `^${dir}: unknown learned optimizer kind "mystery"; registered kinds: .*residual, test-sign, test-vec`,
      ),
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses another kind when the caller expects one, naming the reader', () => {
    const dir = join(root, 'vec');
    const learned = vecLearned(2);
    const phi = learned.initMetaParams(Rng.seeded(0));
    saveLearned(dir, { learned, metaParams: phi });
    disposeMap(phi);
    const expectSign = learnedKindFor('test-sign');
    expect(() => loadLearned(dir, { expect: expectSign, reader: 'loadSign' })).toThrow(
      `loadSign: ${dir} holds a learned optimizer of kind "test-vec"; loadSign reads kind "test-sign"`,
    );
  });

  it('refuses to save φ that does not fit the architecture', () => {
    const phi = { w: tf.zeros([5]) };
    expect(() => saveLearned(join(root, 'x'), { learned: vecLearned(2), metaParams: phi })).toThrow(
      /saveLearned: the weights do not belong to kind "test-vec" \(vec2\) with this config: "w" has shape \[5\]/,
    );
    disposeMap(phi);
  });

  it('rebuilds the composite kinds (residual over a registered kind, partition of registered kinds)', () => {
    const residual = residualLearned({
      base: adam({ learningRate: 0.01 }),
      baseConfig: { name: 'adam', learningRate: 0.01 },
      learned: vecLearned(2),
    });
    const partition = partitionLearned({
      groups: [
        { name: 'conv', match: /^conv/, learned: tinyGradientOnly('test-sign', 0.2) },
        { name: 'rest', match: /^(?!conv)/, learned: vecLearned(3) },
      ],
    });
    for (const learned of [residual, partition]) {
      const dir = join(root, learned.kind);
      const phi = learned.initMetaParams(Rng.seeded(0));
      saveLearned(dir, { learned, metaParams: phi });
      const loaded = loadLearned(dir);
      expect(loaded.learned.kind).toBe(learned.kind);
      expect(loaded.learned.config).toEqual(learned.config);
      expect(values(loaded.metaParams)).toEqual(values(phi));
      disposeMap(loaded.metaParams);
      disposeMap(phi);
    }
    expect(learnedFromConfig('residual', residual.config).name).toBe(residual.name);
    expect(() =>
      learnedFromConfig('residual', { ...residual.config, base: { name: 'sgdx', learningRate: 1 } }, 'src'),
    ).toThrow(/src\.base\.name: unknown optimizer "sgdx"/);
  });
});
