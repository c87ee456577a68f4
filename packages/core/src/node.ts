/**
 * `@l2o/core/node`: what needs Node's file system, processes or native modules — atomic file writes, run locks,
 * learned-optimizer artifacts and checkpoints on disk, `metaTrain` with a checkpoint file, package folders.
 * Everything else is in `@l2o/core`, which runs in any JavaScript runtime; in Node its `node` export condition
 * also gives `initEngine` the tfjs-node backend (where installed) and the processor count.
 */
export {
  writeFileAtomic,
  writeDirAtomic,
  recoverDirAtomic,
  atomicLeftovers,
  cleanStaleTempFiles,
} from './node/atomic-write.js';
export type { FileData, AtomicLeftover } from './node/atomic-write.js';
export { ensureDirectory } from './node/ensure-directory.js';
export { acquireRunLock, RunLockHeldError, RUN_LOCK_FILE } from './node/run-lock.js';
export type { RunLock, RunLockHolder } from './node/run-lock.js';
export { packageDir } from './node/package-dir.js';
export type { PackageDirContext } from './node/package-dir.js';
export { saveArtifact, loadArtifact, loadLearnedArtifact, saveLearned, loadLearned } from './node/artifact-files.js';
export { readCheckpointFile, writeCheckpoint } from './node/checkpoint-file.js';
export { fileCheckpointStore, metaTrain } from './node/file-checkpoint-store.js';
