import * as tf from '@tensorflow/tfjs';
import type { BatchData, MetaGradientEstimator, Optimizee, TensorMap } from '@l2o/core';
import {
  checkSlotInfo,
  type ContainerValue,
  encodeSlot,
  type MetaGradientEstimate,
  type MetaSlot,
  packBinaryFile,
  slotContainer,
} from '@l2o/core/extend';
import { lossesFromJson, lossesToJson, packContainer, unpackContainer, type JobData } from './protocol.js';

/** What a result must echo to count as the answer to its job. */
export type ResultKey = Pick<JobData, 'runId' | 'metaStep' | 'phiVersion' | 'index' | 'slotHash'>;

/** A slot as a CRC-checked frame (what a job carries). */
export function packSlot(slot: MetaSlot): Uint8Array {
  const { json, bytes } = encodeSlot(slot);
  return packBinaryFile({ kind: 'slot', value: json }, bytes);
}

/** Inverse of {@link packSlot}; throws on a corrupt frame. The caller owns the tensors. */
export function unpackSlot(frame: Uint8Array): MetaSlot {
  const decoded = unpackContainer(frame).value as { info?: unknown; tensors?: unknown } | null;
  try {
    return {
      info: checkSlotInfo(decoded?.info, 'job slot'),
      tensors: (decoded?.tensors ?? null) as tf.TensorContainer | null,
    };
  } catch (e) {
    tf.dispose(decoded as tf.TensorContainer);
    throw e;
  }
}

/** Runs the estimator on one slot and packs the result (echoing `key`); frees the slot's and the result's tensors. */
export function estimateToFrame(
  estimator: MetaGradientEstimator,
  phi: TensorMap,
  slot: MetaSlot,
  problem: Optimizee<BatchData>,
  key: ResultKey,
): Uint8Array {
  try {
    const r = estimator.estimate(phi, slot, problem);
    try {
      return packContainer(
        {
          kind: 'result',
          runId: key.runId,
          metaStep: key.metaStep,
          phiVersion: key.phiVersion,
          index: key.index,
          slotHash: key.slotHash,
          losses: lossesToJson(r.losses),
        },
        { metaGradient: r.metaGradient as unknown as ContainerValue, slot: slotContainer(r.slot) },
      );
    } finally {
      tf.dispose([r.metaGradient, r.slot.tensors] as tf.TensorContainer[]);
    }
  } finally {
    if (slot.tensors !== null) tf.dispose(slot.tensors);
  }
}

/** The estimate in a result frame if it answers the job `key` (checksum and every echoed field); else why not. */
export function readResultFrame(key: ResultKey, frame: Uint8Array): MetaGradientEstimate | string {
  let unpacked: ReturnType<typeof unpackContainer>;
  try {
    unpacked = unpackContainer(frame);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const h = unpacked.header;
  const value = unpacked.value as { metaGradient?: TensorMap; slot?: { info?: unknown; tensors?: unknown } } | null;
  const mismatch = (['runId', 'metaStep', 'phiVersion', 'index', 'slotHash'] as const).find((k) => h[k] !== key[k]);
  if (mismatch !== undefined) {
    tf.dispose(value as tf.TensorContainer);
    return `its ${mismatch} is ${JSON.stringify(h[mismatch])}, this job's is ${JSON.stringify(key[mismatch])}`;
  }
  try {
    const info = checkSlotInfo(value?.slot?.info, 'result');
    const slot: MetaSlot = { info, tensors: (value?.slot?.tensors ?? null) as tf.TensorContainer | null };
    return { metaGradient: value!.metaGradient!, losses: lossesFromJson(h['losses']), slot };
  } catch (e) {
    tf.dispose(value as tf.TensorContainer);
    return e instanceof Error ? e.message : String(e);
  }
}
