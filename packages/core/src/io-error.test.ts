import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { L2oIoError, ioError } from './io-error.js';
import { ensureDirectory } from './node/ensure-directory.js';

// Node's recursive mkdir reports a read-only file system as ENOENT (seen on Node 20 with a read-only mount).
// Paths under a folder named `read-only-mount` behave like that here: the recursive call fails with ENOENT,
// creating a component alone fails with EROFS. Everything else goes to the real file system.
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const readOnly = (p: unknown): boolean => String(p).includes('read-only-mount');
  const fail = (code: string, p: unknown): never => {
    throw Object.assign(new Error(`${code}: simulated, mkdir '${String(p)}'`), { code });
  };
  return {
    ...fs,
    mkdirSync: (p: string, opts?: { recursive?: boolean }) =>
      readOnly(p) ? fail(opts?.recursive ? 'ENOENT' : 'EROFS', p) : fs.mkdirSync(p, opts),
  };
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'l2o-io-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function caught(f: () => void): L2oIoError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(L2oIoError);
    return e as L2oIoError;
  }
  throw new Error('expected an error');
}

describe('ioError', () => {
  it('names the operation, the path and the cause in plain words, keeping the code', () => {
    const e = ioError(
      'write',
      '/x/y',
      Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }),
    );
    expect(e.message).toBe('cannot write /x/y: no space left on device (ENOSPC)');
    expect([e.path, e.systemCode, e.operation]).toEqual(['/x/y', 'ENOSPC', 'write']);
    expect(ioError('read', '/x', Object.assign(new Error('odd'), { code: 'EWHAT' })).message).toBe(
      'cannot read /x: odd',
    );
    expect(ioError('read', '/a', e)).toBe(e);
  });
});

describe('ensureDirectory', () => {
  it('creates missing parents and accepts an existing directory', () => {
    const d = join(root, 'a', 'b', 'c');
    ensureDirectory(d);
    ensureDirectory(d);
    expect(statSync(d).isDirectory()).toBe(true);
  });

  it('reports a file in the way, naming the directory asked for', () => {
    writeFileSync(join(root, 'f'), 'x');
    const under = join(root, 'f', 'run');
    const e = caught(() => ensureDirectory(under));
    expect(e.message).toBe(`cannot create directory ${under}: a part of the path is a file, not a directory (ENOTDIR)`);
    const itself = caught(() => ensureDirectory(join(root, 'f')));
    expect(itself.message).toBe(`cannot create directory ${join(root, 'f')}: it exists and is not a directory`);
  });

  it('reports a read-only file system as such, not as the ENOENT of the recursive mkdir', () => {
    const d = join(root, 'read-only-mount', 'runs', 'x');
    const e = caught(() => ensureDirectory(d));
    expect(e.message).toBe(`cannot create directory ${d}: read-only file system (EROFS)`);
    expect(e.systemCode).toBe('EROFS');
    expect(existsSync(join(root, 'read-only-mount'))).toBe(false);
  });
});
