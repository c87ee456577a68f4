import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex, sha256HexAsync } from './sha256.js';

const nodeSha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('sha256Hex', () => {
  it('matches the FIPS 180-4 examples and node:crypto on every padding length', async () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const bytes = new Uint8Array(300);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 255;
    for (let n = 0; n <= 200; n++)
      expect(sha256Hex(bytes.subarray(0, n)), `length ${n}`).toBe(nodeSha(bytes.subarray(0, n)));
    // A view that does not start at its buffer's first byte.
    expect(sha256Hex(bytes.subarray(5, 250))).toBe(nodeSha(bytes.subarray(5, 250)));
    expect(await sha256HexAsync(bytes.subarray(5, 250))).toBe(nodeSha(bytes.subarray(5, 250)));
  });
});
