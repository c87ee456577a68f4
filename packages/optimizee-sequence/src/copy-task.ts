import type { Rng } from '@l2o/core';
import { checkKnown, intOption, type SequenceTask, type TokenBatch } from './sequence-task.js';

export interface CopyTaskOptions {
  /** Tokens 0…vocab−1; 0 is the delimiter, 1…vocab−1 the content. Default 8. */
  readonly vocab?: number;
  /** k, the number of tokens to copy: the model reads 2k positions. Default 5. */
  readonly copyLength?: number;
}

/** The delimiter token between a sequence and its copy. */
export const COPY_DELIMITER = 0;

/**
 * Copying: the input is a₁…a_k (uniform over 1…vocab−1), the delimiter 0, then a₁…a_{k−1}; after the delimiter
 * the model must reproduce a₁…a_k, so only those k positions count in the loss (targets at positions k…2k−1).
 * Needs memory of k tokens: an attention model can look back k positions, a recurrent one must carry them.
 * Every instance is the same task (the randomness is in the sequences).
 */
export function copyTask(options: CopyTaskOptions = {}): SequenceTask {
  const where = 'copyTask';
  checkKnown(options, ['vocab', 'copyLength'], where);
  const vocab = intOption(options.vocab, 8, 3, where, 'vocab');
  const k = intOption(options.copyLength, 5, 1, where, 'copyLength');
  const length = 2 * k;
  return {
    name: `copy-v${vocab}-k${k}`,
    vocab,
    length,
    sampleInstance: () => ({
      sampleTokens(rng: Rng, batch: number): TokenBatch {
        const inputs = new Int32Array(batch * length);
        const targets = new Int32Array(batch * length);
        const mask = new Float32Array(batch * length);
        for (let b = 0; b < batch; b++) {
          const a = Array.from({ length: k }, () => 1 + rng.int(vocab - 1));
          const seq = [...a, COPY_DELIMITER, ...a]; // 2k + 1 tokens: inputs are the first 2k, targets the last 2k
          for (let t = 0; t < length; t++) {
            inputs[b * length + t] = seq[t]!;
            targets[b * length + t] = seq[t + 1]!;
            mask[b * length + t] = t >= k ? 1 : 0;
          }
        }
        return { batch, length, inputs, targets, mask };
      },
    }),
  };
}
