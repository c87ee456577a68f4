import * as tf from '@tensorflow/tfjs';
import { L2oError, type LearnedOptimizer, type Optimizer, type Rng, type TensorMap } from '@l2o/core';
import { type FusedUnroll, mapSize } from '@l2o/core/extend';
import { fusedKernelSupported } from '@l2o/optimizer-lstm';
import { coordinatewiseOptimizer } from '@l2o/optimizer-lstm/extend';
import { beginFusedNtmUnroll } from './fused-ntm.js';
import { averagingSegments, checkGacState, gacLayers, gacZeroState, type GacState } from '@l2o/optimizer-gac';
import { DENSE_MAX_COORDINATES, resolveNtmBfgsConfig, type NtmBfgsConfig } from './config.js';
import { HEADS_B, HEADS_W, checkNtmBfgsMetaParams, initNtmBfgsMetaParams } from './controller-params.js';
import {
  denseMemoryInit,
  denseMemoryRead,
  denseMemoryWrite,
  lowRankMemoryInit,
  lowRankMemoryRead,
  lowRankMemoryWrite,
  type DenseMemory,
  type LowRankMemory,
} from './memory.js';

/** The kind written into saved artifacts. */
export const NTM_BFGS_KIND = 'ntm-bfgs';

/**
 * State: the controller's per-coordinate LSTM state, the last reads [n, R] (fed back as inputs), and the
 * memory ({m} [n, n] for 'dense'; {a, b} [K, n] each for 'low-rank'). Every shape is fixed for a given n.
 */
export type NtmBfgsState = { controller: GacState; read: tf.Tensor2D; memory: DenseMemory | LowRankMemory };

/** Fresh state for n coordinates: zero controller state, zero reads, M₀ = memoryInit · I (empty window). */
export function ntmBfgsZeroState(config: NtmBfgsConfig, n: number): NtmBfgsState {
  if (!Number.isInteger(n) || n < 1)
    throw new L2oError('INVALID_OPTION', `ntm-bfgs init: the parameters must hold at least one coordinate; got ${n}`);
  if (config.memory === 'dense' && n > DENSE_MAX_COORDINATES) {
    throw new L2oError(
      'INVALID_OPTION',
      `ntm-bfgs init: memory 'dense' holds an n×n matrix and allows at most ${DENSE_MAX_COORDINATES} coordinates; got ${n} (use memory: 'low-rank')`,
    );
  }
  return {
    controller: gacZeroState(config, n),
    read: tf.zeros([n, config.readHeads]) as tf.Tensor2D,
    memory: config.memory === 'dense' ? denseMemoryInit(n, config.memoryInit) : lowRankMemoryInit(n, config.window),
  };
}

function checkState(state: NtmBfgsState, config: NtmBfgsConfig, n: number): void {
  const where = 'ntm-bfgs update';
  if (!state || typeof state !== 'object' || !state.read || !state.memory) {
    throw new L2oError('SHAPE_MISMATCH', `${where}: state must be {controller, read, memory} as returned by init`);
  }
  checkGacState(state.controller, config, n, where);
  const shape = (t: tf.Tensor | undefined, want: number[], name: string): void => {
    if (!t || t.shape.length !== want.length || t.shape.some((d, i) => d !== want[i])) {
      throw new L2oError(
        'SHAPE_MISMATCH',
        `${where}: state.${name} has shape [${t?.shape.join(', ') ?? 'missing'}]; expected [${want.join(', ')}] (${n} coordinates)`,
      );
    }
  };
  shape(state.read, [n, config.readHeads], 'read');
  if (config.memory === 'dense') shape((state.memory as DenseMemory).m, [n, n], 'memory.m');
  else {
    shape((state.memory as LowRankMemory).a, [config.window, n], 'memory.a');
    shape((state.memory as LowRankMemory).b, [config.window, n], 'memory.b');
  }
}

function displayName(config: NtmBfgsConfig): string {
  const mem = config.memory === 'dense' ? 'dense' : `low-rank K=${config.window}`;
  const tag =
    config.preprocessing === 'none' ? '[raw]' : config.preprocessing === 'log-sign-moments' ? '[moments]' : '';
  return `${NTM_BFGS_KIND}(${config.hiddenSizes.join(',')};global ${config.globalCells.join(',')};${mem};${config.readHeads}r${config.writeHeads}w)${tag}`;
}

/**
 * NTM-BFGS (Andrychowicz et al. 2016, §3.3): an LSTM+GAC controller run coordinatewise on (preprocessed
 * gradient, last reads) emits per coordinate k the read keys r_k and write vectors a_k, b_k; the memory M is
 * shared by all coordinates. Each step:
 *   1. heads = controller(g, last reads)              [n, R + 2W]
 *   2. write: M ← M + Σ_h a_h b_hᵀ / n               (b divided by n so that bᵀr is a mean, O(1) in n)
 *   3. read: v = M · r                                [n, R]
 *   4. θ ← θ + outputScale · v[:, 0]; all of v is fed back to the controller at the next step.
 * With M₀ = memoryInit · I. 'dense' keeps M as n×n; 'low-rank' (NTM-L-BFGS) keeps the last `window` pairs,
 * O(n K) per read. Defaults: {@link DEFAULT_NTM_BFGS_CONFIG}.
 *
 * With 'low-rank' memory, where WebAssembly SIMD runs, meta-training (estimator 'bptt') and evaluation run the
 * controller on the LSTM's fused kernels and the memory on its own SIMD kernel (`beginFusedUnroll`, `inferenceOptimizer`:
 * the same updates and meta-gradients as the tfjs path of `withMetaParams` within float32 tolerance).
 */
export function ntmBfgsOptimizer(config: Partial<NtmBfgsConfig> = {}): LearnedOptimizer<NtmBfgsState, NtmBfgsConfig> {
  const cfg = resolveNtmBfgsConfig(config);
  const name = displayName(cfg);
  const R = cfg.readHeads;
  const W = cfg.writeHeads;
  const fused = cfg.memory === 'low-rank' && fusedKernelSupported();
  return {
    name,
    kind: NTM_BFGS_KIND,
    config: cfg,
    initMetaParams(rng: Rng): TensorMap {
      return initNtmBfgsMetaParams(cfg, rng);
    },
    beginFusedUnroll(phi: TensorMap, state: NtmBfgsState): FusedUnroll<NtmBfgsState> | undefined {
      if (!fused) return undefined;
      checkState(state, cfg, state.read.shape[0]);
      return beginFusedNtmUnroll(cfg, phi, state);
    },
    ...(fused
      ? {
          // Evaluation: each update is a one-step fused unroll (no activations kept beyond it).
          inferenceOptimizer(phi: TensorMap): Optimizer<NtmBfgsState> {
            checkNtmBfgsMetaParams(phi, cfg);
            return {
              name,
              init: (params: TensorMap) => ntmBfgsZeroState(cfg, mapSize(params)),
              update(grads: TensorMap, state: NtmBfgsState, params: TensorMap) {
                checkState(state, cfg, mapSize(grads));
                const u = beginFusedNtmUnroll(cfg, phi, state);
                try {
                  const updates = u.step(grads, params);
                  return { updates, state: u.state() };
                } finally {
                  u.dispose();
                }
              },
            };
          },
        }
      : {}),
    withMetaParams(phi: TensorMap): Optimizer<NtmBfgsState> {
      checkNtmBfgsMetaParams(phi, cfg);
      return coordinatewiseOptimizer<NtmBfgsState>({
        name,
        config: cfg,
        zeroState: (n) => ntmBfgsZeroState(cfg, n),
        checkState: (state, n) => checkState(state, cfg, n),
        step: (input, state, grads) => {
          const n = input.shape[0];
          const segments = averagingSegments(grads, cfg.averaging);
          const x = tf.concat([input, state.read], 1) as tf.Tensor2D;
          const { top, state: controller } = gacLayers(phi, cfg, x, state.controller, segments);
          const heads = tf.add(tf.matMul(top, phi[HEADS_W] as tf.Tensor2D), phi[HEADS_B]!) as tf.Tensor2D;
          const parts = W === 0 ? [heads] : (tf.split(heads, [R, W, W], 1) as tf.Tensor2D[]);
          const r = parts[0]!;
          let memory: DenseMemory | LowRankMemory = state.memory;
          if (W > 0) {
            const a = parts[1]!;
            const b = tf.div(parts[2]!, n) as tf.Tensor2D;
            memory =
              cfg.memory === 'dense'
                ? denseMemoryWrite(state.memory as DenseMemory, a, b)
                : lowRankMemoryWrite(state.memory as LowRankMemory, a, b);
          } else {
            memory =
              cfg.memory === 'dense'
                ? { m: tf.clone((state.memory as DenseMemory).m) }
                : { a: tf.clone((state.memory as LowRankMemory).a), b: tf.clone((state.memory as LowRankMemory).b) };
          }
          const read =
            cfg.memory === 'dense'
              ? denseMemoryRead(memory as DenseMemory, r)
              : lowRankMemoryRead(memory as LowRankMemory, r, cfg.memoryInit);
          const first = R === 1 ? tf.reshape(read, [n]) : tf.reshape(tf.slice(read, [0, 0], [n, 1]), [n]);
          const output = tf.mul(first, cfg.outputScale) as tf.Tensor1D;
          return { output, state: { controller, read, memory } };
        },
        stats: {
          get: (state) => {
            const st = state.controller.stats;
            if (!st) throw new L2oError('INVALID_STATE', 'ntm-bfgs update: state.controller.stats is missing');
            return st;
          },
          set: (state, stats) => ({ ...state, controller: { ...state.controller, stats } }),
        },
      });
    },
  };
}
