import { L2oError, type Rng } from '@l2o/core';
import {
  checkKnown,
  intOption,
  type SequenceTask,
  type SequenceTaskInstance,
  type TokenBatch,
} from './sequence-task.js';

export interface MarkovTaskOptions {
  /** Number of tokens (states). Default 8. */
  readonly vocab?: number;
  /** Input length: sequences have length + 1 tokens, the model predicts each next one. Default 16. */
  readonly length?: number;
  /** Rows of the transition matrix are softmax(sharpness · z), z ~ N(0, 1): larger is more predictable. Default 3. */
  readonly sharpness?: number;
}

/** One random Markov chain: its transition matrix (row-major, rows sum to 1) and its sampler. */
export interface MarkovChain extends SequenceTaskInstance {
  readonly vocab: number;
  readonly transitions: Float64Array;
  /** The entropy rate H = Σ_i π_i H(P_i) under the stationary distribution π: the best achievable mean loss. */
  entropyRate(): number;
}

/**
 * Next-token prediction on sequences from a random Markov chain, drawn per problem: x₀ uniform, x_{t+1} ~ P[x_t].
 * Inputs x₀…x_{L−1}, targets x₁…x_L, every position counted. The best possible loss is the chain's entropy rate.
 */
export function markovTask(options: MarkovTaskOptions = {}): SequenceTask {
  const where = 'markovTask';
  checkKnown(options, ['vocab', 'length', 'sharpness'], where);
  const vocab = intOption(options.vocab, 8, 2, where, 'vocab');
  const length = intOption(options.length, 16, 1, where, 'length');
  const sharpness = options.sharpness ?? 3;
  if (!(typeof sharpness === 'number' && Number.isFinite(sharpness) && sharpness >= 0)) {
    throw new L2oError('INVALID_OPTION', `${where}.sharpness: must be a finite number ≥ 0, got ${String(sharpness)}`);
  }
  return {
    name: `markov-v${vocab}-l${length}`,
    vocab,
    length,
    sampleInstance: (rng) => markovChain(vocab, length, sharpness, rng),
  };
}

function markovChain(vocab: number, length: number, sharpness: number, rng: Rng): MarkovChain {
  const p = new Float64Array(vocab * vocab);
  for (let i = 0; i < vocab; i++) {
    const z = Array.from({ length: vocab }, () => sharpness * rng.normal());
    const max = Math.max(...z);
    let s = 0;
    for (let j = 0; j < vocab; j++) s += Math.exp(z[j]! - max);
    for (let j = 0; j < vocab; j++) p[i * vocab + j] = Math.exp(z[j]! - max) / s;
  }
  const next = (from: number, u: number): number => {
    let c = 0;
    for (let j = 0; j < vocab; j++) {
      c += p[from * vocab + j]!;
      if (u < c) return j;
    }
    return vocab - 1;
  };
  return {
    vocab,
    transitions: p,
    sampleTokens(r: Rng, batch: number): TokenBatch {
      const inputs = new Int32Array(batch * length);
      const targets = new Int32Array(batch * length);
      for (let b = 0; b < batch; b++) {
        let x = r.int(vocab);
        for (let t = 0; t < length; t++) {
          const y = next(x, r.uniform());
          inputs[b * length + t] = x;
          targets[b * length + t] = y;
          x = y;
        }
      }
      return { batch, length, inputs, targets, mask: new Float32Array(batch * length).fill(1) };
    },
    entropyRate(): number {
      // Stationary distribution by power iteration from uniform (the chain is dense, hence ergodic).
      let pi = new Float64Array(vocab).fill(1 / vocab);
      for (let it = 0; it < 2000; it++) {
        const nxt = new Float64Array(vocab);
        for (let i = 0; i < vocab; i++) for (let j = 0; j < vocab; j++) nxt[j] = nxt[j]! + pi[i]! * p[i * vocab + j]!;
        pi = nxt;
      }
      let h = 0;
      for (let i = 0; i < vocab; i++) {
        for (let j = 0; j < vocab; j++) {
          const q = p[i * vocab + j]!;
          if (q > 0) h -= pi[i]! * q * Math.log(q);
        }
      }
      return h;
    },
  };
}
