import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  atomicLeftovers,
  cleanStaleTempFiles,
  recoverDirAtomic,
  writeDirAtomic,
  writeFileAtomic,
} from './atomic-write.js';
import { L2oIoError } from '@l2o/core';
import { hostTag } from './process-liveness.js';

/** The pid of a process that has exited (so certainly not running, barring reuse within this test). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (r.pid === undefined) throw new Error('could not start a process');
  return r.pid;
}

/** Temporary-file names as a writer with `pid` on this host (or another host's tag) would leave them. */
function tmpName(target: string, pid: number, tag = hostTag()): string {
  return `.${target}.tmp-${pid}-${tag}-0badc0de`;
}
function dirLeftover(target: string, kind: 'tmp' | 'old', pid: number, tag = hostTag()): string {
  return `.${target}.l2o-${kind}-${pid}-${tag}-0badc0de`;
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'l2o-atomic-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes bytes and text, replaces an existing file, leaves no temporary file', () => {
    const p = join(root, 'a.bin');
    writeFileAtomic(p, new Uint8Array([1, 2, 3, 255]));
    expect([...readFileSync(p)]).toEqual([1, 2, 3, 255]);
    writeFileAtomic(p, 'héllo');
    expect(readFileSync(p, 'utf8')).toBe('héllo');
    expect(readdirSync(root)).toEqual(['a.bin']);
  });

  it('leaves the old file intact when the write fails', () => {
    const p = join(root, 'a.txt');
    writeFileAtomic(p, 'old');
    expect(() => writeFileAtomic(p, 42 as unknown as string)).toThrow(/Uint8Array or a string/);
    expect(readFileSync(p, 'utf8')).toBe('old');
    expect(readdirSync(root)).toEqual(['a.txt']);
  });

  it('an I/O failure names the path and its cause, and leaves no temporary file', () => {
    const p = join(root, 'is-a-dir');
    mkdirSync(p);
    let err: unknown;
    try {
      writeFileAtomic(p, 'x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(L2oIoError);
    expect((err as L2oIoError).path).toBe(p);
    expect((err as Error).message).toBe(`cannot write ${p}: it is a directory, not a file (EISDIR)`);
    expect(readdirSync(root)).toEqual(['is-a-dir']);
    const missing = join(root, 'no-such-dir', 'f');
    expect(() => writeFileAtomic(missing, 'x')).toThrow(`cannot write ${missing}: no such file or directory (ENOENT)`);
  });

  it("removes the same target's temporary files left by dead writers, never a live writer's or another host's", () => {
    const dead = deadPid();
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const names = {
        dead: tmpName('ck.bin', dead),
        live: tmpName('ck.bin', live.pid!),
        self: tmpName('ck.bin', process.pid),
        otherHost: tmpName('ck.bin', dead, 'ffffffff' === hostTag() ? 'eeeeeeee' : 'ffffffff'),
        otherTarget: tmpName('other.bin', dead),
      };
      for (const n of Object.values(names)) writeFileSync(join(root, n), 'partial');
      expect(
        atomicLeftovers(root, join(root, 'ck.bin'))
          .map((l) => [l.path.slice(root.length + 1), l.writer])
          .sort(),
      ).toEqual(
        [
          [names.dead, 'dead'],
          [names.live, 'alive'],
          [names.self, 'alive'],
          [names.otherHost, 'unknown'],
        ].sort(),
      );
      writeFileAtomic(join(root, 'ck.bin'), 'new');
      expect(readdirSync(root).sort()).toEqual(
        ['ck.bin', names.live, names.self, names.otherHost, names.otherTarget].sort(),
      );
    } finally {
      live.kill('SIGKILL');
    }
  });
});

describe('cleanStaleTempFiles', () => {
  it("removes every dead writer's temporary file and directory in a folder and restores a missing directory", () => {
    const dead = deadPid();
    mkdirSync(join(root, dirLeftover('optimizer', 'tmp', dead)));
    writeFileSync(join(root, dirLeftover('optimizer', 'tmp', dead), 'weights.bin'), 'partial');
    mkdirSync(join(root, dirLeftover('model', 'old', dead)));
    writeFileSync(join(root, dirLeftover('model', 'old', dead), 'x.json'), 'complete-old');
    writeFileSync(join(root, tmpName('history.json', dead)), 'partial');
    writeFileSync(join(root, tmpName('history.json', process.pid)), 'in flight');
    writeFileSync(join(root, 'history.json'), 'kept');
    const done = cleanStaleTempFiles(root);
    expect(done.length).toBe(3);
    expect(readdirSync(root).sort()).toEqual(['history.json', 'model', tmpName('history.json', process.pid)].sort());
    expect(readFileSync(join(root, 'model', 'x.json'), 'utf8')).toBe('complete-old');
    expect(cleanStaleTempFiles(root)).toEqual([]);
  });
});

describe('writeDirAtomic', () => {
  it('creates, then replaces a directory with exactly the new files', () => {
    const d = join(root, 'nested', 'art');
    writeDirAtomic(d, { 'x.json': '{"a":1}', 'y.bin': new Uint8Array([9]) });
    expect(readdirSync(d).sort()).toEqual(['x.json', 'y.bin']);
    writeDirAtomic(d, { 'x.json': '{"a":2}' });
    expect(readdirSync(d)).toEqual(['x.json']);
    expect(readFileSync(join(d, 'x.json'), 'utf8')).toBe('{"a":2}');
    expect(readdirSync(join(root, 'nested'))).toEqual(['art']);
  });

  it('keeps the old directory when writing the new one fails, and cleans up', () => {
    const d = join(root, 'art');
    writeDirAtomic(d, { 'x.json': 'old' });
    expect(() => writeDirAtomic(d, { 'x.json': 'new', 'y.bin': null as unknown as string })).toThrow(/y\.bin/);
    expect(() => writeDirAtomic(d, { '../evil': 'x' })).toThrow(/path separators/);
    expect(readFileSync(join(d, 'x.json'), 'utf8')).toBe('old');
    expect(readdirSync(root)).toEqual(['art']);
  });

  it('recovers from a crash between the two renames (target missing, old copy beside it)', () => {
    const d = join(root, 'art');
    const dead = deadPid();
    const tmp = join(root, dirLeftover('art', 'tmp', dead));
    const old = join(root, dirLeftover('art', 'old', dead));
    mkdirSync(old);
    writeFileSync(join(old, 'x.json'), 'old-complete');
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'x.json'), 'new-parti');
    expect(recoverDirAtomic(d)).toBe('restored-old');
    expect(readFileSync(join(d, 'x.json'), 'utf8')).toBe('old-complete');
    expect(existsSync(tmp)).toBe(false);
    expect(existsSync(old)).toBe(false);
  });

  it('the next write repairs leftovers of an interrupted one', () => {
    const d = join(root, 'art');
    writeDirAtomic(d, { 'x.json': 'v1' });
    const dead = deadPid();
    const tmp = join(root, dirLeftover('art', 'tmp', dead));
    const old = join(root, dirLeftover('art', 'old', dead));
    // crash after the new copy was renamed in, before the old one was removed; plus a stale temp dir
    mkdirSync(old);
    writeFileSync(join(old, 'x.json'), 'v0');
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'junk'), 'partial');
    writeDirAtomic(d, { 'x.json': 'v2' });
    expect(readFileSync(join(d, 'x.json'), 'utf8')).toBe('v2');
    expect(readdirSync(root)).toEqual(['art']);
  });

  it("never removes a running writer's temporary copy (two processes saving the same directory)", () => {
    const d = join(root, 'art');
    writeDirAtomic(d, { 'x.json': 'v1' });
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    try {
      const tmp = join(root, dirLeftover('art', 'tmp', live.pid!));
      mkdirSync(tmp);
      writeFileSync(join(tmp, 'weights.bin'), 'being written');
      writeDirAtomic(d, { 'x.json': 'v2' });
      expect(readFileSync(join(tmp, 'weights.bin'), 'utf8')).toBe('being written');
      expect(recoverDirAtomic(d)).toBe('nothing');
      expect(existsSync(tmp)).toBe(true);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('legacy leftovers (fixed names of l2o 0.1.0) are still repaired', () => {
    const d = join(root, 'art');
    mkdirSync(join(root, '.art.l2o-old'));
    writeFileSync(join(root, '.art.l2o-old', 'x.json'), 'old-complete');
    expect(recoverDirAtomic(d)).toBe('restored-old');
    expect(readFileSync(join(d, 'x.json'), 'utf8')).toBe('old-complete');
  });

  it('refuses to replace a regular file', () => {
    const f = join(root, 'file');
    writeFileSync(f, 'x');
    expect(() => writeDirAtomic(f, { a: 'b' })).toThrow(/not a directory/);
  });
});
