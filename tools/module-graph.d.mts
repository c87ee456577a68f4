/** See module-graph.mjs. */
export function nodeDependencies(
  entry: string,
): Promise<{ files: string[]; builtins: string[]; processUses: string[] }>;
