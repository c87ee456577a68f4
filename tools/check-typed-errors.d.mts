/** See check-typed-errors.mjs. */
export const UNTYPED_THROW_EXEMPT: readonly string[];
export function untypedThrows(root: string, exempt?: readonly string[]): string[];
