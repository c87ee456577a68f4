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
