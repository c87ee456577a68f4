/** Small pieces shared by the transforms (internal: only `EmptyState` is public). */
import type * as tf from '@tensorflow/tfjs';
import type { JsonObject, JsonValue, TensorMap } from '../types.js';
import { L2oError } from '../l2o-error.js';

/** The state of a transform that keeps none. */
export type EmptyState = Readonly<Record<string, never>>;

/** Whether a value is a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `base(k=v, …)` listing the given fields (undefined ones left out), so differently configured transforms differ. */
export function transformName(base: string, fields: ReadonlyArray<readonly [string, unknown]> = []): string {
  const parts = fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${String(v)}`);
  return `${base}(${parts.join(', ')})`;
}

/** A JSON object without its undefined fields (what `JSON.stringify` would drop anyway). */
export function jsonConfig(fields: Readonly<Record<string, JsonValue | undefined>>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** `fn` applied to every entry of `updates` (keys kept, in order). Call inside `tf.tidy`. */
export function mapUpdates(updates: TensorMap, fn: (u: tf.Tensor, name: string) => tf.Tensor): TensorMap {
  const out: Record<string, tf.Tensor> = {};
  for (const [k, u] of Object.entries(updates)) out[k] = fn(u, k);
  return out;
}

/** Throws unless `state` is an object holding every one of `fields`, naming the transform and what it expects. */
export function checkStateFields(state: unknown, fields: readonly string[], where: string): void {
  if (state === null || typeof state !== 'object' || fields.some((f) => !(f in state))) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${where}: state must be { ${fields.join(', ')} } (the state this transform's init returns)`,
    );
  }
}
