import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type BatchData,
  type CheckpointStore,
  L2oIoError,
  metaTrain as metaTrainAnywhere,
  type MetaTrainOptions,
  type MetaTrainResult,
} from '@l2o/core';
import { ioError } from '@l2o/core/extend';
import type * as tf from '@tensorflow/tfjs';
import { writeFileAtomic } from './atomic-write.js';
import { readFileSync } from 'node:fs';

/**
 * A checkpoint kept in the file `path`, replaced atomically on every write; errors name the file
 * ({@link L2oIoError} for I/O, an Error starting with the path for a damaged file).
 */
export function fileCheckpointStore(path: string): CheckpointStore {
  const target = resolve(path);
  return {
    name: target,
    read(): Uint8Array | undefined {
      if (!existsSync(target)) return undefined;
      try {
        return new Uint8Array(readFileSync(target));
      } catch (e) {
        throw ioError('read checkpoint', target, e);
      }
    },
    write(data: Uint8Array): void {
      try {
        writeFileAtomic(target, data);
      } catch (e) {
        if (e instanceof L2oIoError)
          throw new L2oIoError('write checkpoint', e.path, e.reason, e.systemCode, { cause: e });
        throw e;
      }
    },
  };
}

/**
 * `metaTrain` of `@l2o/core` with `checkpointPath` kept in a file ({@link fileCheckpointStore}); everything else
 * is the same.
 */
export function metaTrain<Batch extends BatchData, State extends tf.TensorContainer>(
  options: MetaTrainOptions<Batch, State>,
): Promise<MetaTrainResult> {
  if (options.checkpointStore !== undefined || options.checkpointPath === undefined) return metaTrainAnywhere(options);
  return metaTrainAnywhere({ ...options, checkpointStore: fileCheckpointStore(options.checkpointPath) });
}
