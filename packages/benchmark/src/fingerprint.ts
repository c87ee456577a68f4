import type { JsonObject, TensorMap } from '@l2o/core';
import { crc32, orderedKeys } from '@l2o/core/extend';

/**
 * A content hash of a learned optimizer's weights and description (kind, config, every tensor's name, shape and
 * values): the benchmark's `cacheKey`, so stored runs are reused only for the very same optimizer.
 */
export function learnedFingerprint(
  learned: { readonly kind: string; readonly config: JsonObject },
  phi: TensorMap,
): string {
  const parts: number[] = [
    crc32(new TextEncoder().encode(JSON.stringify({ kind: learned.kind, config: learned.config }))),
  ];
  for (const k of orderedKeys(phi)) {
    const t = phi[k]!;
    parts.push(crc32(new TextEncoder().encode(`${k}:${t.shape.join('x')}`)));
    const data = t.dataSync();
    parts.push(crc32(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
  }
  const all = crc32(new Uint8Array(Uint32Array.from(parts).buffer));
  return `${learned.kind}-${all.toString(16).padStart(8, '0')}`;
}
