/**
 * The bench's SIMD peak probe (tools/bench/simd-peak.mjs) and the LSTM kernels' flop counts
 * (tools/bench/lstm-flops.mjs): the hand-assembled WebAssembly validates, its loop computes exactly what float32
 * arithmetic gives for the credited number of rounds (so the flops it is credited with are really executed), and
 * the counts follow the kernel's padding and structure.
 */
import { describe, expect, it } from 'vitest';
import {
  lstmBackwardStepFlops,
  lstmForwardFlops,
  lstmInferenceUpdateFlops,
  lstmMetaIterationFlops,
} from '../../../tools/bench/lstm-flops.mjs';
import {
  PROBE_KINDS,
  createProbe,
  flopsPerChainRound,
  isValidWasm,
  measureProbe,
  probeModuleBytes,
  referenceRun,
} from '../../../tools/bench/simd-peak.mjs';

const M = 0.9999;
const A = 1e-4;
// Distinct start values below the fixed point 1 (where x·m + a would stay put).
const starts = (n: number): number[] => Array.from({ length: n }, (_, i) => 0.2 + 0.037 * i);

describe('SIMD peak probe (tools/bench/simd-peak.mjs)', () => {
  it('assembles valid WebAssembly for both kinds and several shapes', () => {
    for (const kind of PROBE_KINDS)
      for (const [chains, unroll] of [
        [1, 1],
        [12, 4],
        [64, 3],
      ] as const)
        expect(isValidWasm(probeModuleBytes({ kind, chains, unroll })), `${kind} ${chains}×${unroll}`).toBe(true);
  });

  it('runs iters × unroll rounds of x ← x·m + a on every lane, bit for bit as float32 arithmetic', () => {
    for (const kind of PROBE_KINDS) {
      const probe = createProbe({ kind, chains: 5, unroll: 3 });
      expect(probe.lanes).toBe(kind === 'simd' ? 4 : 1);
      const x0 = starts(5 * probe.lanes);
      for (const iters of [0, 1, 7, 500]) {
        const got = probe.run(iters, M, A, x0);
        const want = referenceRun(iters, 3, M, A, x0);
        expect(Array.from(got), `${kind} iters ${iters}`).toEqual(Array.from(want));
      }
      // The count matters: one more iteration changes every lane (the start values are away from the fixed point 1).
      const a = probe.run(500, M, A, x0);
      const b = probe.run(501, M, A, x0);
      for (let i = 0; i < a.length; i++) expect(b[i], `${kind} lane ${i}`).not.toBe(a[i]);
      expect(Array.from(probe.run(0, M, A, x0))).toEqual(Array.from(Float32Array.from(x0)));
    }
  });

  it('credits 8 flops per f32x4 chain round and 2 per scalar one', () => {
    expect(flopsPerChainRound('simd')).toBe(8);
    expect(flopsPerChainRound('scalar')).toBe(2);
    expect(createProbe({ kind: 'simd', chains: 12, unroll: 4 }).flopsPerIteration).toBe(12 * 4 * 8);
    expect(createProbe({ kind: 'scalar', chains: 6, unroll: 2 }).flopsPerIteration).toBe(6 * 2 * 2);
  });

  it('measures a finite positive rate; rejects bad options', () => {
    const r = measureProbe({ kind: 'simd', chains: 4, seconds: 0.05 });
    expect(Number.isFinite(r.gflops) && r.gflops > 0).toBe(true);
    expect(r.gflops).toBeGreaterThanOrEqual(r.medianGflops);
    expect(() => probeModuleBytes({ chains: 0 })).toThrow(/chains/);
    // @ts-expect-error: not a kind
    expect(() => probeModuleBytes({ kind: 'avx' })).toThrow(/kind must be one of simd, scalar/);
    const probe = createProbe({ kind: 'scalar', chains: 2 });
    expect(() => probe.run(1, M, A, [1])).toThrow(/x0 must hold/);
  });
});

describe('LSTM kernel flop counts (tools/bench/lstm-flops.mjs)', () => {
  const paper = { d0: 2, hiddenSizes: [20, 20] };

  it('count padded rows (multiples of 4) and padded hidden units (multiples of 4)', () => {
    expect(lstmForwardFlops({ ...paper, rows: 15_910 })).toEqual(lstmForwardFlops({ ...paper, rows: 15_912 }));
    expect(lstmForwardFlops({ d0: 2, hiddenSizes: [18, 19], rows: 8 })).toEqual(
      lstmForwardFlops({ d0: 2, hiddenSizes: [20, 20], rows: 8 }),
    );
    const one = lstmForwardFlops({ ...paper, rows: 4 });
    expect(lstmForwardFlops({ ...paper, rows: 400 }).total).toBe(100 * one.total);
  });

  it('forward matrix products are 2 (din + hp) · 4 hp per layer plus the output dot product', () => {
    const f = lstmForwardFlops({ ...paper, rows: 4 });
    expect(f.matmul / 4).toBe(2 * (2 + 20) * 80 + 2 * (20 + 20) * 80 + 2 * 20);
    expect(f.total).toBeGreaterThan(f.matmul);
  });

  it('a meta-iteration is unroll × (forward + backward); inference is one forward step', () => {
    const shape = { ...paper, rows: 1000 };
    const f = lstmForwardFlops(shape);
    const b = lstmBackwardStepFlops(shape);
    expect(lstmMetaIterationFlops({ ...shape, unroll: 20 })).toEqual({
      total: 20 * (f.total + b.total),
      matmul: 20 * (f.matmul + b.matmul),
    });
    expect(lstmInferenceUpdateFlops(shape)).toEqual(f);
    // The backward runs two products per layer (dz Wᵀ and the weight gradient) against the forward's one.
    expect(b.matmul).toBeGreaterThan(1.9 * f.matmul);
    expect(() => lstmMetaIterationFlops({ ...shape, unroll: 0 })).toThrow(/unroll/);
    expect(() => lstmForwardFlops({ ...shape, hiddenSizes: [] })).toThrow(/hiddenSizes/);
  });
});
