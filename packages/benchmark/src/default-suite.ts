import type { BatchData, OptimizeeFamily } from '@l2o/core';
import { classSubset, cifarCnnFamily, loadDogsNCats, shrinkImages, type ImageDataset } from '@l2o/optimizee-cifar';
import { mnistAutoencoderFamily, mnistMlpFamily, type MnistMlpOptions } from '@l2o/optimizee-mnist';
import { conditionedQuadraticFamily, quadraticFamily } from '@l2o/optimizee-quadratic';
import { attentionModel, copyTask, markovTask, rnnModel, sequenceFamily } from '@l2o/optimizee-sequence';
import { rastriginFamily, rosenbrockFamily, styblinskiTangFamily } from '@l2o/optimizee-synthetic';
import { defineSuite, type BenchmarkSuite } from './suite.js';
import { longRunVariant, type BenchmarkTask, type BenchmarkTaskSpec, type DataSplit } from './task.js';

const family = <B extends BatchData>(f: OptimizeeFamily<B>): OptimizeeFamily<BatchData> =>
  f as unknown as OptimizeeFamily<BatchData>;

const catDogCache = new Map<string, ImageDataset>();

/** The real CIFAR-10 cat and dog images of a split (2 classes, relabelled), shrunk to side × side (grey or RGB). */
export function catDogImages(data: DataSplit, side: number, grey: boolean): ImageDataset {
  const key = `${data}/${side}/${grey}`;
  let hit = catDogCache.get(key);
  if (!hit) {
    const two = classSubset(loadDogsNCats(data), ['cat', 'dog'], { relabel: true });
    hit = side === two.height && !grey ? two : shrinkImages(two, { side, grey });
    catDogCache.set(key, hit);
  }
  return hit;
}

/** An MNIST MLP task's family on a data split. */
const mlp =
  (o: Omit<MnistMlpOptions, 'split'>) =>
  (data: DataSplit): OptimizeeFamily<BatchData> =>
    family(mnistMlpFamily({ split: data, ...o }));

/** A family that ignores the data split (no data: problems differ by seed only). */
const noData = (make: () => OptimizeeFamily<BatchData>) => (): OptimizeeFamily<BatchData> => make();

/**
 * Meta-training tasks (split `train`): Celo-style tiny image classifiers (one hidden layer of 32 ReLU units,
 * batch 64, 8×8 grey images) on MNIST and on the cat/dog images, small MNIST MLPs of other activations, depths and
 * image sizes, softmax regression, an autoencoder, and random quadratics. Their data is the
 * training split of each set; their architectures and sizes appear nowhere in the validation and test splits.
 */
function trainTasks(): BenchmarkTaskSpec[] {
  return [
    {
      id: 'train-celo-mnist-8x8',
      kind: 'mlp',
      split: 'train',
      description: 'MNIST 8×8 grey, MLP 64-32-10 ReLU (Celo-style), batch 64',
      family: (data) =>
        family(
          mnistMlpFamily({ split: data, hidden: [32], activation: 'relu', batchSize: 64, imageSide: 8, initStd: 'he' }),
        ),
      steps: 200,
      batchSize: 64,
      seed: 101_000,
    },
    {
      id: 'train-celo-catdog-8x8',
      kind: 'mlp',
      split: 'train',
      description: 'cat/dog 8×8 grey, MLP 64-32-2 ReLU (Celo-style), batch 64',
      family: (data) =>
        family(
          cifarCnnFamily(catDogImages(data, 8, true), {
            convChannels: [],
            fcHidden: [32],
            batchNorm: false,
            batchSize: 64,
            weightInit: 'he',
          }),
        ),
      steps: 200,
      batchSize: 64,
      seed: 102_000,
    },
    {
      id: 'train-quadratic-10d',
      kind: 'quadratic',
      split: 'train',
      description: 'random quadratics ‖Wθ − y‖², 10-dim, Gaussian W and y, 16 functions per problem',
      family: noData(() => family(quadraticFamily({ dim: 10, functions: 16 }))),
      steps: 100,
      batchSize: null,
      seed: 103_000,
    },
    {
      id: 'train-quadratic-cond30-20d',
      kind: 'quadratic',
      split: 'train',
      description: 'quadratics of condition number 30, 20-dim, rotated, 8 functions per problem',
      family: noData(() => family(conditionedQuadraticFamily({ dim: 20, condition: 30, functions: 8 }))),
      steps: 100,
      batchSize: null,
      seed: 104_000,
    },
    {
      id: 'train-mnist-mlp-tanh-1x48-10px',
      kind: 'mlp',
      split: 'train',
      description: 'MNIST 10×10, MLP 100-48-10 tanh (Glorot), batch 64',
      family: mlp({ hidden: [48], activation: 'tanh', batchSize: 64, imageSide: 10, initStd: 'glorot' }),
      steps: 150,
      batchSize: 64,
      seed: 105_000,
    },
    {
      id: 'train-mnist-mlp-relu-2x32-10px',
      kind: 'mlp',
      split: 'train',
      description: 'MNIST 10×10, MLP 100-32-32-10 ReLU (He), batch 64',
      family: mlp({ hidden: [32, 32], activation: 'relu', batchSize: 64, imageSide: 10, initStd: 'he' }),
      steps: 150,
      batchSize: 64,
      seed: 106_000,
    },
    {
      id: 'train-mnist-mlp-sigmoid-1x32-16px',
      kind: 'mlp',
      split: 'train',
      description: 'MNIST 16×16, MLP 256-32-10 sigmoid (N(0, 0.01²) as the paper), batch 128',
      family: mlp({ hidden: [32], activation: 'sigmoid', batchSize: 128, imageSide: 16, initStd: 0.01 }),
      steps: 150,
      batchSize: 128,
      seed: 107_000,
    },
    {
      id: 'train-mnist-mlp-gelu-1x24-12px',
      kind: 'mlp',
      split: 'train',
      description: 'MNIST 12×12, MLP 144-24-10 GELU (He), batch 32',
      family: mlp({ hidden: [24], activation: 'gelu', batchSize: 32, imageSide: 12, initStd: 'he' }),
      steps: 150,
      batchSize: 32,
      seed: 108_000,
    },
    {
      id: 'train-mnist-softmax-12px',
      kind: 'linear',
      split: 'train',
      description: 'MNIST 12×12, softmax regression with L2 1e-4, batch 64',
      family: mlp({ hidden: [], batchSize: 64, imageSide: 12, initStd: 0, l2: 1e-4 }),
      steps: 100,
      batchSize: 64,
      seed: 109_000,
    },
    {
      id: 'train-mnist-autoencoder-10px',
      kind: 'autoencoder',
      split: 'train',
      description: 'MNIST 10×10 autoencoder 100-16-100 ReLU, batch 64',
      family: (data) =>
        family(mnistAutoencoderFamily({ split: data, hidden: [16], activation: 'relu', batchSize: 64, imageSide: 10 })),
      steps: 150,
      batchSize: 64,
      seed: 110_000,
    },
    {
      id: 'train-quadratic-cond300-50d',
      kind: 'quadratic',
      split: 'train',
      description: 'quadratics of condition number 300, 50-dim, rotated, 4 functions per problem',
      family: noData(() => family(conditionedQuadraticFamily({ dim: 50, condition: 300, functions: 4 }))),
      steps: 150,
      batchSize: null,
      seed: 111_000,
    },
  ];
}

/** Validation tasks: for choosing recipes. Other architectures, sizes or data than the train and test tasks. */
function validationTasks(): BenchmarkTaskSpec[] {
  const split = 'validation' as const;
  return [
    {
      id: 'val-mnist-mlp-sigmoid-1x20',
      kind: 'mlp',
      split,
      description: "MNIST MLP 784-20-10 sigmoid, batch 128 (the paper's task)",
      family: mlp({ hidden: [20], activation: 'sigmoid', batchSize: 128 }),
      steps: 100,
      batchSize: 128,
      seed: 201_000,
    },
    {
      id: 'val-mnist-mlp-relu-2x24-12px',
      kind: 'mlp',
      split,
      description: 'MNIST 12×12, MLP 144-24-24-10 ReLU, batch 64',
      family: mlp({ hidden: [24, 24], activation: 'relu', batchSize: 64, imageSide: 12, initStd: 'he' }),
      steps: 100,
      batchSize: 64,
      seed: 202_000,
    },
    {
      id: 'val-catdog-cnn-grey',
      kind: 'cnn',
      split,
      description: 'cat/dog 12×12 grey, conv 5×5×8 → pool → FC 16 → 2, ReLU, batch 32',
      family: (data) =>
        family(
          cifarCnnFamily(catDogImages(data, 12, true), {
            convChannels: [8],
            kernelSize: 5,
            fcHidden: [16],
            batchNorm: false,
            batchSize: 32,
            weightInit: 'he',
          }),
        ),
      steps: 100,
      batchSize: 32,
      tuneProblems: 3,
      seed: 203_000,
    },
    {
      id: 'val-quadratic-cond1e3-200d',
      kind: 'quadratic',
      split,
      description: 'quadratic, condition number 1e3, 200-dim, rotated',
      family: noData(() => family(conditionedQuadraticFamily({ dim: 200, condition: 1e3 }))),
      steps: 200,
      batchSize: null,
      seed: 204_000,
    },
    {
      id: 'val-rosenbrock-4d',
      kind: 'test-function',
      split,
      description: 'Rosenbrock 4-dim, 8 starts per problem in [−2, 2]',
      family: noData(() => family(rosenbrockFamily({ dim: 4, functions: 8 }))),
      steps: 200,
      batchSize: null,
      seed: 205_000,
    },
    {
      id: 'val-seq-rnn-markov',
      kind: 'sequence',
      split,
      description: 'RNN (32 tanh units) predicting a random Markov chain, vocabulary 8, length 8, batch 32',
      family: noData(() =>
        family(
          sequenceFamily({ task: markovTask({ vocab: 8, length: 8 }), model: rnnModel({ hidden: 32 }), batchSize: 32 }),
        ),
      ),
      steps: 100,
      batchSize: 32,
      tuneProblems: 3,
      seed: 206_000,
    },
  ];
}

/**
 * Test tasks: reported, never trained or chosen on. Seven kinds: MNIST MLPs of 1–4 hidden layers of 10–200 units
 * with sigmoid, tanh, ReLU and GELU; softmax regression with L2; an autoencoder; a conv net on cat/dog images;
 * quadratics with condition numbers up to 1e4 and dimensions up to 1,000; three classic non-convex test
 * functions; a recurrent and an attention model on generated sequences. Most MLPs read MNIST shrunk to 14×14
 * (or 7×7), which keeps a step of the learned optimizers affordable on a CPU.
 */
function testTasks(): BenchmarkTaskSpec[] {
  const split = 'test' as const;
  return [
    {
      id: 'mnist-mlp-tanh-1x64-14px',
      kind: 'mlp',
      split,
      description: 'MNIST 14×14, MLP 196-64-10 tanh, batch 64',
      family: mlp({ hidden: [64], activation: 'tanh', batchSize: 64, imageSide: 14, initStd: 'glorot' }),
      steps: 100,
      batchSize: 64,
      seed: 301_000,
    },
    {
      id: 'mnist-mlp-gelu-2x32-14px',
      kind: 'mlp',
      split,
      description: 'MNIST 14×14, MLP 196-32-32-10 GELU, batch 64',
      family: mlp({ hidden: [32, 32], activation: 'gelu', batchSize: 64, imageSide: 14, initStd: 'he' }),
      steps: 100,
      batchSize: 64,
      seed: 302_000,
    },
    {
      id: 'mnist-mlp-relu-4x16-14px',
      kind: 'mlp',
      split,
      description: 'MNIST 14×14, MLP 196-16-16-16-16-10 ReLU, batch 64',
      family: mlp({ hidden: [16, 16, 16, 16], activation: 'relu', batchSize: 64, imageSide: 14, initStd: 'he' }),
      steps: 100,
      batchSize: 64,
      seed: 303_000,
    },
    {
      id: 'mnist-mlp-sigmoid-3x10',
      kind: 'mlp',
      split,
      description: 'MNIST MLP 784-10-10-10-10 sigmoid, batch 128',
      family: mlp({ hidden: [10, 10, 10], activation: 'sigmoid', batchSize: 128, initStd: 'glorot' }),
      steps: 100,
      batchSize: 128,
      seed: 304_000,
    },
    {
      id: 'mnist-mlp-relu-1x200-7px',
      kind: 'mlp',
      split,
      description: 'MNIST 7×7, MLP 49-200-10 ReLU, batch 64',
      family: mlp({ hidden: [200], activation: 'relu', batchSize: 64, imageSide: 7, initStd: 'he' }),
      steps: 100,
      batchSize: 64,
      seed: 305_000,
    },
    {
      id: 'mnist-softmax-l2',
      kind: 'linear',
      split,
      description: 'MNIST softmax regression 784-10 with L2 penalty 1e-3, batch 128',
      family: mlp({ hidden: [], batchSize: 128, initStd: 0, l2: 1e-3 }),
      steps: 100,
      batchSize: 128,
      seed: 306_000,
    },
    {
      id: 'mnist-autoencoder-14px',
      kind: 'autoencoder',
      split,
      description: 'MNIST 14×14 autoencoder 196-32-196 ReLU, sigmoid output, squared error, batch 64',
      family: (data) =>
        family(mnistAutoencoderFamily({ split: data, hidden: [32], activation: 'relu', batchSize: 64, imageSide: 14 })),
      steps: 100,
      batchSize: 64,
      seed: 307_000,
    },
    {
      id: 'catdog-cnn',
      kind: 'cnn',
      split,
      description: 'cat/dog 12×12 RGB, conv 3×3×8 → pool → conv 3×3×16 → pool → FC 32 → 2, ReLU, batch 32',
      family: (data) =>
        family(
          cifarCnnFamily(catDogImages(data, 12, false), {
            convChannels: [8, 16],
            kernelSize: 3,
            fcHidden: [32],
            batchNorm: false,
            batchSize: 32,
            weightInit: 'he',
          }),
        ),
      steps: 100,
      batchSize: 32,
      tuneProblems: 3,
      seed: 308_000,
    },
    {
      id: 'quadratic-cond1e3-100d',
      kind: 'quadratic',
      split,
      description: 'quadratic, condition number 1e3, 100-dim, rotated',
      family: noData(() => family(conditionedQuadraticFamily({ dim: 100, condition: 1e3 }))),
      steps: 100,
      batchSize: null,
      seed: 309_000,
    },
    {
      id: 'quadratic-cond1e4-1000d',
      kind: 'quadratic',
      split,
      description: 'quadratic, condition number 1e4, 1,000-dim, rotated',
      family: noData(() => family(conditionedQuadraticFamily({ dim: 1000, condition: 1e4 }))),
      steps: 200,
      batchSize: null,
      seed: 310_000,
    },
    {
      id: 'quadratic-cond1e4-200d-diagonal',
      kind: 'quadratic',
      split,
      description: 'quadratic, condition number 1e4, 200-dim, axis-aligned (diagonal Hessian)',
      family: noData(() => family(conditionedQuadraticFamily({ dim: 200, condition: 1e4, rotate: false }))),
      steps: 100,
      batchSize: null,
      seed: 311_000,
    },
    {
      id: 'rosenbrock-10d',
      kind: 'test-function',
      split,
      description: 'Rosenbrock 10-dim, start in [−2, 2]^10',
      family: noData(() => family(rosenbrockFamily({ dim: 10 }))),
      steps: 200,
      batchSize: null,
      seed: 312_000,
    },
    {
      id: 'rastrigin-10d',
      kind: 'test-function',
      split,
      description: 'Rastrigin 10-dim, start in [−5.12, 5.12]^10',
      family: noData(() => family(rastriginFamily({ dim: 10 }))),
      steps: 200,
      batchSize: null,
      seed: 313_000,
    },
    {
      id: 'styblinski-tang-20d',
      kind: 'test-function',
      split,
      description: 'Styblinski–Tang 20-dim (shifted to minimum 0), start in [−5, 5]^20',
      family: noData(() => family(styblinskiTangFamily({ dim: 20 }))),
      steps: 200,
      batchSize: null,
      seed: 314_000,
    },
    {
      id: 'seq-rnn-copy',
      kind: 'sequence',
      split,
      description: 'RNN (32 tanh units) copying 4 tokens of 7 after a delimiter, batch 32',
      family: noData(() =>
        family(
          sequenceFamily({
            task: copyTask({ vocab: 8, copyLength: 4 }),
            model: rnnModel({ hidden: 32 }),
            batchSize: 32,
          }),
        ),
      ),
      steps: 100,
      batchSize: 32,
      tuneProblems: 3,
      seed: 315_000,
    },
    {
      id: 'seq-attention-markov',
      kind: 'sequence',
      split,
      description: 'one-layer attention (width 16) predicting a random Markov chain, vocabulary 12, length 8, batch 32',
      family: noData(() =>
        family(
          sequenceFamily({
            task: markovTask({ vocab: 12, length: 8 }),
            model: attentionModel({ width: 16 }),
            batchSize: 32,
          }),
        ),
      ),
      steps: 100,
      batchSize: 32,
      tuneProblems: 3,
      seed: 316_000,
    },
    {
      id: 'seq-attention-copy',
      kind: 'sequence',
      split,
      description: 'one-layer attention (width 8) copying 8 tokens of 31 after a delimiter, batch 32',
      family: noData(() =>
        family(
          sequenceFamily({
            task: copyTask({ vocab: 32, copyLength: 8 }),
            model: attentionModel({ width: 8 }),
            batchSize: 32,
          }),
        ),
      ),
      steps: 100,
      batchSize: 32,
      tuneProblems: 3,
      seed: 317_000,
    },
  ];
}

/** The test tasks that also run 10× longer, as stability checks. */
export const LONG_RUN_TASKS: readonly string[] = [
  'quadratic-cond1e3-100d',
  'rastrigin-10d',
  'mnist-mlp-relu-4x16-14px',
];

/**
 * l2o's benchmark suite: meta-training tasks (`train`), validation tasks for choosing recipes and held-out test
 * tasks with long-run (10×) stability variants of a few of them. Every call builds the suite afresh (data is
 * loaded lazily, when a task's family is first asked for).
 */
export function defaultSuite(): BenchmarkSuite {
  const specs: BenchmarkTaskSpec[] = [...trainTasks(), ...validationTasks(), ...testTasks()];
  const suite = defineSuite('l2o-default', specs);
  const long: BenchmarkTask[] = LONG_RUN_TASKS.map((id) => {
    const base = suite.tasks.find((t) => t.id === id)!;
    return longRunVariant(base, { tuneProblems: 2 });
  });
  return defineSuite('l2o-default', [...suite.tasks, ...long]);
}
