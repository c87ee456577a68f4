/** See simd-peak.mjs. */
export type ProbeKind = 'simd' | 'scalar';
export interface ProbeOptions {
  kind?: ProbeKind;
  chains?: number;
  unroll?: number;
}
export interface Probe {
  readonly kind: ProbeKind;
  readonly chains: number;
  readonly unroll: number;
  readonly lanes: 1 | 4;
  readonly flopsPerIteration: number;
  run(iters: number, m: number, a: number, x0: ArrayLike<number>): Float32Array;
}
export interface ProbeMeasurement {
  kind: ProbeKind;
  chains: number;
  unroll: number;
  gflops: number;
  medianGflops: number;
  reps: number;
}
export interface Peaks {
  scalarGflops: number;
  simdGflops: number;
  simdMedianGflops: number;
  threads: number;
  simdThreadsGflops: number;
  chains: number;
}
export const PROBE_KINDS: readonly ProbeKind[];
export function probeModuleBytes(options?: ProbeOptions): Uint8Array;
export function isValidWasm(bytes: Uint8Array): boolean;
export function flopsPerChainRound(kind: ProbeKind): number;
export function createProbe(options?: ProbeOptions): Probe;
export function referenceRun(iters: number, unroll: number, m: number, a: number, x0: ArrayLike<number>): Float32Array;
export function measureProbe(options?: ProbeOptions & { seconds?: number; repSeconds?: number }): ProbeMeasurement;
export function measureProbeThreads(
  options?: ProbeOptions & { seconds?: number; repSeconds?: number; threads?: number },
): Promise<{ gflops: number; medianGflops: number; perThread: ProbeMeasurement[] }>;
export function measurePeaks(options?: { seconds?: number; threads?: number }): Promise<Peaks>;
export function peakGflopsRecord(p: Peaks): Record<string, number>;
export function simdPeakFor(p: Peaks, threads: number): number;
export function describePeaks(p: Peaks): string;
