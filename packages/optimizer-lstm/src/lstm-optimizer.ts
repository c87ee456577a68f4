import * as tf from '@tensorflow/tfjs';
import { flattenMap, type FusedUnroll, mapSize, unflattenLike } from '@l2o/core/extend';
import { L2oError, type LearnedOptimizer, type Optimizer, type Rng, type TensorMap } from '@l2o/core';
import { preprocessingHasStats, resolveLstmConfig, type LstmConfig } from './config.js';
import { lstmCell } from './lstm-cell.js';
import { OUTPUT_B, OUTPUT_W, checkLstmMetaParams, initLstmMetaParams, lstmParamNames } from './meta-params.js';
import { preprocessGradients } from './preprocessing.js';
import { MOMENT_STATS_SIZE, momentInputs, momentZeroStats } from './moment-features.js';
import { beginFusedLstmUnroll } from './fused/fused-unroll.js';
import { fusedLstmInferenceOptimizer } from './fused/fused-inference.js';
import { fusedKernelSupported } from './fused/wasm-kernel.js';

/** The kind written into saved artifacts. */
export const LSTM_KIND = 'lstm';

/**
 * Per-coordinate recurrent state: for each layer l, h[l] and c[l] are [N, H_l] (row i = coordinate i in
 * core's `flattenMap` order); with 'log-sign-moments' preprocessing also the running gradient statistics
 * `stats` [N, 4] (m_fast, m_slow, v, t). A type alias so that it is a `tf.TensorContainer`.
 */
export type LstmState = { h: tf.Tensor2D[]; c: tf.Tensor2D[]; stats?: tf.Tensor2D };

/** Zero state for `n` coordinates. `where` starts the error message. The caller owns the returned tensors. */
export function lstmZeroState(
  config: Pick<LstmConfig, 'hiddenSizes'> & Partial<Pick<LstmConfig, 'preprocessing'>>,
  n: number,
  where = 'lstm init',
): LstmState {
  if (!Number.isInteger(n) || n < 1)
    throw new L2oError('INVALID_OPTION', `${where}: the parameters must hold at least one coordinate; got ${n}`);
  return {
    h: config.hiddenSizes.map((hs) => tf.zeros([n, hs]) as tf.Tensor2D),
    c: config.hiddenSizes.map((hs) => tf.zeros([n, hs]) as tf.Tensor2D),
    ...(config.preprocessing && preprocessingHasStats({ preprocessing: config.preprocessing })
      ? { stats: momentZeroStats(n) }
      : {}),
  };
}

/**
 * Throws unless `state` is {h, c} with one live [n, H_l] tensor per layer each (and `stats` [n, 4] when the
 * preprocessing keeps statistics). `where` starts the error message, which names the field.
 */
export function checkLstmState(
  state: LstmState,
  config: Pick<LstmConfig, 'hiddenSizes'> & Partial<Pick<LstmConfig, 'preprocessing'>>,
  n: number,
  where = 'lstm update',
): void {
  const L = config.hiddenSizes.length;
  if (!state || !Array.isArray(state.h) || !Array.isArray(state.c) || state.h.length !== L || state.c.length !== L) {
    throw new L2oError(
      'SHAPE_MISMATCH',
      `${where}: state must be {h, c} with ${L} tensors each (one per layer of hiddenSizes)`,
    );
  }
  if (config.preprocessing && preprocessingHasStats({ preprocessing: config.preprocessing })) {
    const s = state.stats;
    if (!(s instanceof tf.Tensor) || s.shape.length !== 2 || s.shape[0] !== n || s.shape[1] !== MOMENT_STATS_SIZE) {
      throw new L2oError(
        'INVALID_OPTION',
        `${where}: state.stats must be [${n}, ${MOMENT_STATS_SIZE}] for '${config.preprocessing}' preprocessing; ` +
          `got ${s instanceof tf.Tensor ? `[${s.shape.join(', ')}]` : 'none'}`,
      );
    }
    if (s.isDisposed) throw new L2oError('INVALID_STATE', `${where}: state.stats is disposed`);
  }
  config.hiddenSizes.forEach((hs, l) => {
    for (const [name, t] of [
      ['h', state.h[l]!],
      ['c', state.c[l]!],
    ] as const) {
      if (!(t instanceof tf.Tensor) || t.shape.length !== 2 || t.shape[0] !== n || t.shape[1] !== hs) {
        const shape = t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : String(t);
        throw new L2oError(
          'SHAPE_MISMATCH',
          `${where}: state.${name}[${l}] has shape ${shape}; expected [${n}, ${hs}] ` +
            `(${n} coordinates in the gradients, hiddenSizes[${l}] = ${hs})`,
        );
      }
      if (t.isDisposed) throw new L2oError('INVALID_STATE', `${where}: state.${name}[${l}] is disposed`);
    }
  });
}

/** What {@link coordinatewiseOptimizer} runs: the state's lifecycle and one step of the network. */
export interface CoordinatewiseSpec<S extends tf.TensorContainer> {
  readonly name: string;
  /** The preprocessing applied to the flattened gradients. */
  readonly config: Pick<LstmConfig, 'preprocessing' | 'p'>;
  /** Fresh state for `n` coordinates. */
  zeroState(n: number): S;
  /** Throws unless `state` fits `n` coordinates. */
  checkState(state: S, n: number): void;
  /**
   * One step on the preprocessed gradients `input` [n, d] (rows in core's `flattenMap` order of `grads`): the
   * update per coordinate [n] and the next state. Runs inside `tf.tidy`.
   */
  step(input: tf.Tensor2D, state: S, grads: TensorMap): { output: tf.Tensor1D; state: S };
  /**
   * Where the state carries the running gradient statistics [n, 4] of a preprocessing that keeps them
   * ('log-sign-moments'; required there): the inputs are computed from them, `step` gets the state with them
   * advanced, and they are put back into the state `step` returns.
   */
  readonly stats?: { get(state: S): tf.Tensor2D; set(state: S, stats: tf.Tensor2D): S };
}

/** The `stats` lens of {@link CoordinatewiseSpec} for states that keep the statistics in `stats` (LSTM, LSTM+GAC). */
export function lstmStatsLens<S extends LstmState>(): NonNullable<CoordinatewiseSpec<S>['stats']> {
  return {
    get: (state) => {
      if (!state.stats) throw new L2oError('INVALID_STATE', 'coordinatewise update: state.stats is missing');
      return state.stats;
    },
    set: (state, stats) => ({ ...state, stats }),
  };
}

/**
 * A coordinatewise optimizer over all coordinates of the parameter map: `init` gives `zeroState(n)`; `update`
 * checks the state against the n coordinates of the gradients, preprocesses the flattened gradients, runs
 * `step` in `tf.tidy` and reshapes its output to the gradients' shapes. The updates do not depend on θ.
 */
export function coordinatewiseOptimizer<S extends tf.TensorContainer>(spec: CoordinatewiseSpec<S>): Optimizer<S> {
  const lens = preprocessingHasStats(spec.config) ? spec.stats : undefined;
  if (preprocessingHasStats(spec.config) && !lens) {
    throw new L2oError(
      'INVALID_OPTION',
      `${spec.name}: preprocessing '${spec.config.preprocessing}' keeps running statistics, which this optimizer's state does not carry (use 'log-sign' or 'none')`,
    );
  }
  return {
    name: spec.name,
    init(params: TensorMap): S {
      return spec.zeroState(mapSize(params));
    },
    update(grads: TensorMap, state: S, params: TensorMap) {
      const n = mapSize(grads);
      spec.checkState(state, n);
      void params;
      return tf.tidy(() => {
        const g = flattenMap(grads);
        if (!lens) {
          const step = spec.step(preprocessGradients(g, spec.config), state, grads);
          return { updates: unflattenLike(step.output, grads), state: step.state };
        }
        const m = momentInputs(
          g,
          lens.get(state),
          preprocessGradients(g, { preprocessing: 'log-sign', p: spec.config.p }),
        );
        const step = spec.step(m.input, lens.set(state, m.stats), grads);
        return { updates: unflattenLike(step.output, grads), state: lens.set(step.state, m.stats) };
      });
    },
  };
}

/**
 * The network on already-preprocessed inputs: `input` [N, d_in] → the scaled update per row [N] and the next
 * state. Differentiable in φ (and in everything else). Pure; the caller owns the outputs.
 */
export function lstmStep(
  phi: TensorMap,
  config: LstmConfig,
  input: tf.Tensor2D,
  state: LstmState,
): { output: tf.Tensor1D; state: LstmState } {
  return tf.tidy(() => {
    let x = input;
    const h: tf.Tensor2D[] = [];
    const c: tf.Tensor2D[] = [];
    config.hiddenSizes.forEach((_, l) => {
      const n = lstmParamNames(l);
      const next = lstmCell(
        x,
        state.h[l]!,
        state.c[l]!,
        phi[n.wx] as tf.Tensor2D,
        phi[n.wh] as tf.Tensor2D,
        phi[n.b] as tf.Tensor1D,
      );
      h.push(next.h);
      c.push(next.c);
      x = next.h;
    });
    const y = tf.add(tf.matMul(x, phi[OUTPUT_W] as tf.Tensor2D), phi[OUTPUT_B]!);
    const output = tf.reshape(tf.mul(y, config.outputScale), [input.shape[0]]) as tf.Tensor1D;
    return { output, state: { h, c } };
  });
}

/** Name shown in logs, e.g. `lstm(20,20)`. */
function displayName(config: LstmConfig): string {
  const tag =
    config.preprocessing === 'none' ? '[raw]' : config.preprocessing === 'log-sign-moments' ? '[moments]' : '';
  return `${LSTM_KIND}(${config.hiddenSizes.join(',')})${tag}`;
}

/**
 * The coordinatewise LSTM optimizer of Andrychowicz et al. (2016): every coordinate of every parameter tensor
 * is one row of a batch run through the same stacked LSTM (shared weights φ, separate state), preprocessed by
 * log/sign, then a linear layer to one output, times `outputScale`, is that coordinate's additive update.
 * Config fields not given default to {@link PAPER_CONFIG}; invalid fields throw with the field named.
 */
export function lstmOptimizer(config: Partial<LstmConfig> = {}): LearnedOptimizer<LstmState, LstmConfig> {
  const cfg = resolveLstmConfig(config);
  const name = displayName(cfg);
  return {
    name,
    kind: LSTM_KIND,
    config: cfg,
    initMetaParams(rng: Rng): TensorMap {
      return initLstmMetaParams(cfg, rng);
    },
    beginFusedUnroll(phi: TensorMap, state: LstmState): FusedUnroll<LstmState> | undefined {
      // The WebAssembly SIMD kernel (forward + exact backward of the unroll), where the runtime supports it.
      return fusedKernelSupported() ? beginFusedLstmUnroll(cfg, phi, state) : undefined;
    },
    // Evaluation only, where WebAssembly SIMD runs: the kernel's forward step (same updates and state within
    // float32 tolerance, not differentiable in φ). Absent elsewhere, so evaluation falls back to withMetaParams.
    ...(fusedKernelSupported()
      ? {
          inferenceOptimizer(phi: TensorMap): Optimizer<LstmState> {
            return fusedLstmInferenceOptimizer(cfg, phi, { name });
          },
        }
      : {}),
    withMetaParams(phi: TensorMap): Optimizer<LstmState> {
      checkLstmMetaParams(phi, cfg);
      return coordinatewiseOptimizer<LstmState>({
        name,
        config: cfg,
        zeroState: (n) => lstmZeroState(cfg, n),
        checkState: (state, n) => checkLstmState(state, cfg, n),
        step: (input, state) => lstmStep(phi, cfg, input, state),
        stats: lstmStatsLens<LstmState>(),
      });
    },
  };
}
