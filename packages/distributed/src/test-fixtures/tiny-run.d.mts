import type { JsonObject, MetaTrainOptions, TensorMap, BatchData } from '@l2o/core';
import type * as tf from '@tensorflow/tfjs';
import type { ResolvedRun } from '../index.js';

export declare const TINY_TASK: JsonObject;
export declare function resolveTinyRun(task: JsonObject): ResolvedRun;
export declare function tinyTrainOptions(
  over?: Partial<MetaTrainOptions<BatchData, tf.TensorContainer>>,
): MetaTrainOptions<BatchData, tf.TensorContainer>;
export declare function phiBits(phi: TensorMap): Record<string, number[]>;
