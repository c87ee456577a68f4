import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UNTYPED_THROW_EXEMPT, untypedThrows } from '../../../tools/check-typed-errors.mjs';
import { L2oIoError, ioError } from './io-error.js';
import { L2O_ERROR_CODES, L2oError, isL2oError } from './l2o-error.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('typed errors', () => {
  it('no non-test source of any package throws a plain Error (tools/check-typed-errors.mjs)', () => {
    expect(untypedThrows(ROOT)).toEqual([]);
  });

  it('the check finds a plain throw, skips tests and exempt files', () => {
    const root = mkdtempSync(join(tmpdir(), 'l2o-throws-'));
    try {
      const src = join(root, 'packages', 'x', 'src');
      mkdirSync(join(src, 'node'), { recursive: true });
      writeFileSync(join(src, 'a.ts'), "export const f = () => {\n  throw new Error('plain');\n};\n");
      writeFileSync(join(src, 'a.test.ts'), "throw new Error('in a test');\n");
      writeFileSync(join(src, 'b.ts'), "throw new L2oError('INTERNAL', 'typed');\n");
      writeFileSync(join(src, 'node', 'save-load.ts'), "throw new Error('exempt');\n");
      expect(untypedThrows(root, ['/node/save-load.ts'])).toEqual(["packages/x/src/a.ts:2: throw new Error('plain');"]);
      expect(UNTYPED_THROW_EXEMPT).toEqual([]);
      expect(untypedThrows(root)).toContain("packages/x/src/node/save-load.ts:1: throw new Error('exempt');");
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('L2oError carries a code, the message and the standard cause', () => {
    const cause = new Error('inner');
    const e = new L2oError('NOT_FOUND', 'no such preset', { cause });
    expect(e).toBeInstanceOf(Error);
    expect([e.name, e.code, e.message, e.cause]).toEqual(['L2oError', 'NOT_FOUND', 'no such preset', cause]);
    expect(isL2oError(e)).toBe(true);
    expect(isL2oError(e, 'NOT_FOUND')).toBe(true);
    expect(isL2oError(e, 'IO')).toBe(false);
    expect(isL2oError(cause)).toBe(false);
    expect(new Set(L2O_ERROR_CODES).size).toBe(L2O_ERROR_CODES.length);
  });

  it("L2oIoError is an L2oError with code 'IO', Node's code in systemCode and the cause kept", () => {
    const cause = Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' });
    const e = ioError('write', '/x', cause);
    expect(e).toBeInstanceOf(L2oIoError);
    expect(e).toBeInstanceOf(L2oError);
    expect([e.code, e.systemCode, e.cause, e.name]).toEqual(['IO', 'EROFS', cause, 'L2oIoError']);
  });
});
