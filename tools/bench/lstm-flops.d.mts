/** See lstm-flops.mjs. */
export interface LstmShape {
  rows: number;
  d0: number;
  hiddenSizes: readonly number[];
}
export interface FlopCount {
  total: number;
  matmul: number;
}
export function lstmForwardFlops(shape: LstmShape): FlopCount;
export function lstmBackwardStepFlops(shape: LstmShape): FlopCount;
export function lstmMetaIterationFlops(shape: LstmShape & { unroll: number }): FlopCount;
export function lstmInferenceUpdateFlops(shape: LstmShape): FlopCount;
