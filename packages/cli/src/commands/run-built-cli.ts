// Test helper (not exported from index.ts): runs the built `l2o` as a user would.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

/** The built command line entry point (`npm test` builds before testing). */
export const BUILT_BIN = resolve(__dirname, '..', '..', 'dist', 'bin.cjs');

/** Runs `node dist/bin.cjs ...args` without $L2O_CIFAR10_DIR and $L2O_MNIST_DIR (tests choose their data); exit code and output. */
export function runBuiltCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const env = { ...process.env };
    delete env['L2O_CIFAR10_DIR'];
    delete env['L2O_MNIST_DIR'];
    execFile(
      process.execPath,
      [BUILT_BIN, ...args],
      { env, timeout: 240_000, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
