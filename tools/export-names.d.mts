/** The sorted exported names (values and types) of each TypeScript entry file, in the order given. */
export function exportNames(files: readonly string[]): string[][];
