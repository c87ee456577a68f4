import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicDirSiblings, recoverDirAtomic, writeDirAtomic, writeFileAtomic } from './atomic-write.js';

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
    const { tmp, old } = atomicDirSiblings(d);
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
    const { tmp, old } = atomicDirSiblings(d);
    // crash after the new copy was renamed in, before the old one was removed; plus a stale temp dir
    mkdirSync(old);
    writeFileSync(join(old, 'x.json'), 'v0');
    mkdirSync(tmp);
    writeFileSync(join(tmp, 'junk'), 'partial');
    writeDirAtomic(d, { 'x.json': 'v2' });
    expect(readFileSync(join(d, 'x.json'), 'utf8')).toBe('v2');
    expect(readdirSync(root)).toEqual(['art']);
  });

  it('refuses to replace a regular file', () => {
    const f = join(root, 'file');
    writeFileSync(f, 'x');
    expect(() => writeDirAtomic(f, { a: 'b' })).toThrow(/not a directory/);
  });
});
