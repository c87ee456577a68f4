import { GAC_CONFIG_FIELDS, PAPER_GAC_CONFIG, resolveGacConfig, type GacConfig } from '@l2o/optimizer-gac';
import { checkConfigChoice, checkConfigFields, pickConfigFields, showConfigValue } from '@l2o/optimizer-lstm/extend';
import { L2oError } from '@l2o/core';

/** 'dense': M is n×n (small problems); 'low-rank': NTM-L-BFGS, M = memoryInit·I + the last `window` outer products. */
export const MEMORY_FORMS = ['dense', 'low-rank'] as const;
export type MemoryForm = (typeof MEMORY_FORMS)[number];

/**
 * Architecture of NTM-BFGS: an LSTM+GAC controller (all of `GacConfig`; its `outputScale` scales the memory read
 * into the update) and an external memory shared by all coordinates. JSON-serialisable.
 */
export type NtmBfgsConfig = GacConfig & {
  /** Memory form. Default 'low-rank' (runs on MNIST-sized problems); 'dense' is the paper's n×n NTM-BFGS. */
  memory: MemoryForm;
  /** 'low-rank' only: how many (a, b) pairs are kept (≥ writeHeads). Default 30 (the last 10 steps of 3 heads). */
  window: number;
  /** Read heads (≥ 1). Head 0's read, times outputScale, is the update; all reads are fed back next step. Default 1. */
  readHeads: number;
  /** Write heads (≥ 0): each adds one outer product a bᵀ / n per step. Default 3 (what BFGS needs). */
  writeHeads: number;
  /** M₀ = memoryInit · I (finite). Default 1: at the start a read returns its key. */
  memoryInit: number;
};

const NTM_FIELDS = ['memory', 'window', 'readHeads', 'writeHeads', 'memoryInit'] as const;
/** Every field of {@link NtmBfgsConfig}. */
export const NTM_BFGS_CONFIG_FIELDS: readonly string[] = [...GAC_CONFIG_FIELDS, ...NTM_FIELDS];

/** Defaults: the paper's controller (2×20 LSTM, 5+5 global cells, log/sign p = 10, × 0.1), low-rank memory, K = 30, 1 read and 3 write heads, M₀ = I. */
export const DEFAULT_NTM_BFGS_CONFIG: Readonly<NtmBfgsConfig> = Object.freeze({
  ...PAPER_GAC_CONFIG,
  memory: 'low-rank',
  window: 30,
  readHeads: 1,
  writeHeads: 3,
  memoryInit: 1,
});

/** Dense memory holds n² floats; beyond this many coordinates use 'low-rank'. */
export const DENSE_MAX_COORDINATES = 4096;

/**
 * Validates a (partial) NTM-BFGS config and fills in {@link DEFAULT_NTM_BFGS_CONFIG}. Unknown fields are errors;
 * every error names the field and the allowed values. Returns a fresh frozen object.
 */
export function resolveNtmBfgsConfig(input: unknown = {}, where = 'ntm-bfgs config'): NtmBfgsConfig {
  const raw = checkConfigFields(input, NTM_BFGS_CONFIG_FIELDS, where);
  const gac = resolveGacConfig(pickConfigFields(raw, GAC_CONFIG_FIELDS), where);
  const pick = (k: (typeof NTM_FIELDS)[number]): unknown =>
    raw[k] === undefined ? DEFAULT_NTM_BFGS_CONFIG[k] : raw[k];

  const memory = checkConfigChoice(pick('memory'), MEMORY_FORMS, 'memory', where);
  const int = (k: 'window' | 'readHeads' | 'writeHeads', min: number): number => {
    const v = pick(k);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw new L2oError('INVALID_OPTION', `${where}: ${k} must be an integer ≥ ${min}; got ${showConfigValue(v)}`);
    return v;
  };
  const readHeads = int('readHeads', 1);
  const writeHeads = int('writeHeads', 0);
  const window = int('window', 1);
  if (memory === 'low-rank' && window < writeHeads) {
    throw new L2oError(
      'INVALID_OPTION',
      `${where}: window must be an integer ≥ writeHeads (${writeHeads}) for 'low-rank' memory; got ${window}`,
    );
  }
  const m0 = pick('memoryInit');
  if (typeof m0 !== 'number' || !Number.isFinite(m0))
    throw new L2oError('INVALID_OPTION', `${where}: memoryInit must be a finite number; got ${showConfigValue(m0)}`);
  return Object.freeze({ ...gac, memory, window, readHeads, writeHeads, memoryInit: m0 });
}
