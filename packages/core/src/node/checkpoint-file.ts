import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { L2oIoError } from '@l2o/core';
import { encodeCheckpoint, ioError, type MetaCheckpoint, readCheckpoint } from '@l2o/core/extend';
import { writeFileAtomic } from './atomic-write.js';

/**
 * Writes a checkpoint atomically: a crash leaves either the previous complete file or the new one. An I/O
 * failure (no space left, read-only folder, …) is an {@link L2oIoError} naming the checkpoint file.
 */
export function writeCheckpoint(path: string, ck: MetaCheckpoint): void {
  const data = encodeCheckpoint(ck);
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    if (e instanceof L2oIoError) throw new L2oIoError('write checkpoint', e.path, e.reason, e.systemCode, { cause: e });
    throw e;
  }
}

/**
 * Reads the checkpoint file at `path` ({@link readCheckpoint}). Every error names the file: an I/O failure is
 * an {@link L2oIoError} (a directory in its place, no permission, …), a damaged file an Error starting with
 * the path.
 */
export function readCheckpointFile(path: string): MetaCheckpoint {
  const target = resolve(path);
  let data: Uint8Array;
  try {
    data = readFileSync(target);
  } catch (e) {
    throw ioError('read checkpoint', target, e);
  }
  return readCheckpoint(data, target);
}
