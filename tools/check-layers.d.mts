/** See check-layers.mjs. */
export const LAYERS: readonly string[];
export const SAME_LAYER: Readonly<Record<string, string>>;
export function layerProblems(root: string): string[];
