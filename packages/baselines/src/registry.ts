import type { Optimizer } from '@l2o/core';
import { adam } from '@l2o/core';
import { nag } from './nag.js';
import { rmsprop } from './rmsprop.js';
import { sgd } from './sgd.js';

/** The hand-designed optimizers the paper compares against. */
export const BASELINE_NAMES = ['sgd', 'nag', 'rmsprop', 'adam'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Parses a baseline name (from a flag or a file), with an error that lists the allowed values. */
export function parseBaselineName(value: string, field = 'baseline'): BaselineName {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if ((BASELINE_NAMES as readonly unknown[]).includes(v)) return v as BaselineName;
  throw new Error(`${field}: unknown baseline "${String(value)}"; allowed values: ${BASELINE_NAMES.join(', ')}`);
}

/** The named baseline with the given learning rate and every other hyperparameter at its default. */
export function makeBaseline(name: BaselineName, learningRate: number): Optimizer {
  switch (name) {
    case 'sgd':
      return sgd({ learningRate });
    case 'nag':
      return nag({ learningRate });
    case 'rmsprop':
      return rmsprop({ learningRate });
    case 'adam':
      return adam({ learningRate });
    default:
      return parseBaselineName(name as string) as never;
  }
}
