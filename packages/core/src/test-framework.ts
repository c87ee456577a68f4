/** The `describe` / `it` pair of any test framework (vitest, jest, node:test, mocha). */
export type TestFrameworkApi = {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => Promise<void>, timeout?: number) => void;
};

/** Registers named async checks as one `describe` block of `it`s, each with the given timeout. */
export function registerChecks(
  suite: string,
  checks: readonly { readonly name: string; run(): Promise<void> }[],
  api: TestFrameworkApi,
  timeoutMs: number,
): void {
  api.describe(suite, () => {
    for (const c of checks) api.it(c.name, () => c.run(), timeoutMs);
  });
}

/** One named check of a conformance suite: `run` throws on failure. */
export interface ConformanceCheck {
  readonly name: string;
  run(): Promise<void>;
}

/** What a failed conformance check throws (deliberately not an L2oError: it reports on the subject under test). */
class CheckFailure extends Error {}

/** Throws a check failure with `message` unless `cond` holds. */
export function check(cond: boolean, message: string): void {
  if (!cond) throw new CheckFailure(message);
}
