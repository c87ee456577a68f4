/**
 * The stable codes of {@link L2oError}. A code names the kind of failure, so a caller can branch on it without
 * matching message text (messages may be reworded; codes are a semver promise):
 *
 * - `INVALID_OPTION` — an option, argument or configuration value is wrong (the message names the field and the
 *   allowed values).
 * - `SHAPE_MISMATCH` — tensors, arrays or parameter maps do not have the shapes, sizes or keys expected.
 * - `INVALID_DATA` — stored or received data is malformed: a damaged archive, artifact, checkpoint, IDX/tar/CIFAR
 *   file, container or protocol frame.
 * - `CHECKSUM_MISMATCH` — data read back does not match its recorded checksum (CRC-32, SHA-256, MD5).
 * - `IO` — a file-system or network operation failed ({@link L2oIoError} carries the path and Node's code).
 * - `NOT_FOUND` — a named thing does not exist: an unknown preset, baseline, kind, export, file or entry.
 * - `INCOMPATIBLE` — valid data that does not fit this run: another version, protocol, kind, fingerprint or
 *   optimizer than the one it must match.
 * - `NON_FINITE` — a loss, gradient or value became NaN or ±Infinity.
 * - `INVALID_STATE` — a call in the wrong order: after `dispose()`, before `begin()`, while busy, twice.
 * - `UNSUPPORTED` — the runtime or backend lacks what is needed (WebAssembly, threads, a dtype, an environment).
 * - `LOCKED` — a resource (a run folder's lock) is held by another process.
 * - `INTERRUPTED` — the work was stopped by a signal after saving its state.
 * - `USAGE` — a command line is wrong.
 * - `TIMEOUT` — something did not answer in time.
 * - `INTERNAL` — a broken invariant inside l2o (a bug; please report it).
 */
export type L2oErrorCode =
  | 'INVALID_OPTION'
  | 'SHAPE_MISMATCH'
  | 'INVALID_DATA'
  | 'CHECKSUM_MISMATCH'
  | 'IO'
  | 'NOT_FOUND'
  | 'INCOMPATIBLE'
  | 'NON_FINITE'
  | 'INVALID_STATE'
  | 'UNSUPPORTED'
  | 'LOCKED'
  | 'INTERRUPTED'
  | 'USAGE'
  | 'TIMEOUT'
  | 'INTERNAL';

/** Every {@link L2oErrorCode}, in the order documented there. */
export const L2O_ERROR_CODES: readonly L2oErrorCode[] = [
  'INVALID_OPTION',
  'SHAPE_MISMATCH',
  'INVALID_DATA',
  'CHECKSUM_MISMATCH',
  'IO',
  'NOT_FOUND',
  'INCOMPATIBLE',
  'NON_FINITE',
  'INVALID_STATE',
  'UNSUPPORTED',
  'LOCKED',
  'INTERRUPTED',
  'USAGE',
  'TIMEOUT',
  'INTERNAL',
];

/**
 * The error every l2o package throws: a message for people, a stable {@link L2oErrorCode} for programs, and the
 * standard `cause` (the error it wraps, when there is one).
 *
 * ```ts
 * try { loadLstmPreset('nope'); } catch (e) { if (e instanceof L2oError && e.code === 'NOT_FOUND') … }
 * ```
 */
export class L2oError extends Error {
  readonly code: L2oErrorCode;

  constructor(code: L2oErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'L2oError';
    this.code = code;
  }
}

/** Whether `e` is an {@link L2oError}, optionally with the given `code`. */
export function isL2oError(e: unknown, code?: L2oErrorCode): e is L2oError {
  return e instanceof L2oError && (code === undefined || e.code === code);
}
