import * as tf from '@tensorflow/tfjs';
import { L2oError, type TensorMap } from '@l2o/core';
import { type FusedUnroll, hostTensor, hostValues, orderedKeys } from '@l2o/core/extend';
import { averagingSegments, lstmPartOf } from '@l2o/optimizer-gac';
import {
  acquireFusedLstm,
  type FusedLstm,
  fromFlatLstmState,
  readFlatGradients,
  releaseFusedLstm,
  resolveKernelThreads,
  suffixAdjoints,
  toFlatLstmState,
} from '@l2o/optimizer-lstm/extend';
import type { NtmBfgsConfig } from './config.js';
import { HEADS_B, HEADS_W, checkNtmBfgsMetaParams, headCount } from './controller-params.js';
import type { LowRankMemory } from './memory.js';
import type { NtmBfgsState } from './ntm-bfgs-optimizer.js';
import { acquireMemoryKernel, releaseMemoryKernel } from './memory-kernel.js';

/** Options of {@link beginFusedNtmUnroll}. */
export interface FusedNtmOptions {
  /** Threads of the controller's kernel: 1, 2 (a worker_thread, Node) or 'auto' (the default). */
  readonly threads?: 1 | 2 | 'auto';
}

/** One (a, b) pair of the low-rank memory (offsets into the memory kernel) and, if written in this unroll, where. */
interface Slot {
  readonly a: number;
  readonly b: number;
  readonly written: { readonly step: number; readonly head: number } | null;
}

/** What the backward needs of one step: the read keys, the memory the reads saw, and the products bⱼ·rᵢ. */
interface StepRecord {
  readonly keys: number[]; // R read keys r_i [n] (offsets into the memory kernel)
  readonly slots: readonly Slot[];
  readonly coef: Float64Array[]; // per read i: b_j · r_i per slot j
}

/**
 * One truncated unroll of NTM-L-BFGS (low-rank memory) with the controller (LSTM+GAC, reads fed back as extra
 * inputs, R + 2W heads) on the LSTM's WebAssembly kernels, the memory's pairs and its loops in a WebAssembly memory
 * of their own (memory-kernel.ts). Same updates, state and
 * meta-gradient as `ntmBfgsOptimizer(config).withMetaParams(phi)` on the tfjs tape, within float32 tolerance;
 * the state at the start of the unroll (controller, last reads, memory) is held constant, as in core's
 * `unrollMetaGradient`.
 *
 * Backward: the memory couples the steps. A pair (a, b) written at step s is read at steps s … s + ⌊(K − W + h)/W⌋;
 * going back from the last step, the reads of step t give d rᵢ = m₀ dvᵢ + Σⱼ bⱼ (aⱼ·dvᵢ) and add dvᵢ (bⱼ·rᵢ) to
 * d aⱼ and rᵢ (aⱼ·dvᵢ) to d bⱼ of every pair they saw, so the pairs of step t are complete when step t is reached.
 * The adjoint of the reads fed back into step t + 1's controller comes from that step's backward.
 */
export function beginFusedNtmUnroll(
  config: NtmBfgsConfig,
  phi: TensorMap,
  state: NtmBfgsState,
  options: FusedNtmOptions = {},
): FusedUnroll<NtmBfgsState> {
  const where = 'fused ntm-bfgs unroll';
  if (config.memory !== 'low-rank')
    throw new L2oError('INVALID_OPTION', `${where}: memory must be 'low-rank'; got "${config.memory}"`);
  checkNtmBfgsMetaParams(phi, config, where);
  const R = config.readHeads;
  const W = config.writeHeads;
  const K = config.window;
  const m0 = config.memoryInit;
  const lstmCfg = lstmPartOf(config);
  const n = state.read.shape[0];
  const mem = state.memory as LowRankMemory;
  if (!mem.a || mem.a.shape[0] !== K || mem.a.shape[1] !== n || mem.b?.shape[0] !== K || mem.b.shape[1] !== n) {
    throw new L2oError('SHAPE_MISMATCH', `${where}: state.memory must be {a, b} of shape [${K}, ${n}] each`);
  }
  const kernel: FusedLstm = acquireFusedLstm(lstmCfg, {
    threads: resolveKernelThreads(options.threads),
    extraInputs: R,
    outputs: { w: HEADS_W, b: HEADS_B, count: headCount(config), scale: 1 },
  });
  const flatPhi: Record<string, Float32Array> = {};
  for (const k of Object.keys(phi)) flatPhi[k] = phi[k]!.dataSync() as Float32Array;
  kernel.begin(n, flatPhi, toFlatLstmState(state.controller));
  const mk = acquireMemoryKernel();
  const a0 = mk.alloc(K * n);
  mk.f32(a0, K * n).set(hostValues(mem.a, `${where}: state.memory.a`));
  const b0 = mk.alloc(K * n);
  mk.f32(b0, K * n).set(hostValues(mem.b, `${where}: state.memory.b`));
  let slots: Slot[] = Array.from({ length: K }, (_, j) => ({ a: a0 + 4 * j * n, b: b0 + 4 * j * n, written: null }));
  const vAt = mk.alloc(n); // a read's output; in the backward, the adjoint being gathered
  let read = Float32Array.from(hostValues(state.read, `${where}: state.read`)); // [n, R] row-major: the reads fed back
  const records: StepRecord[] = [];
  let keys: string[] | undefined;
  let shapes: number[][] = [];
  const gradBuf = new Float32Array(n);
  let disposed = false;
  const alive = (): void => {
    if (disposed) throw new L2oError('INVALID_STATE', `${where}: used after dispose()`);
  };

  return {
    step(grads: TensorMap): TensorMap {
      alive();
      if (!keys) {
        keys = orderedKeys(grads);
        shapes = keys.map((k) => grads[k]!.shape);
        const size = keys.reduce((s, k) => s + grads[k]!.size, 0);
        if (size !== n)
          throw new L2oError('SHAPE_MISMATCH', `${where}: the gradients hold ${size} coordinates; the state has ${n}`);
        kernel.averageRows(config.globalCells, averagingSegments(grads, config.averaging));
      } else if (orderedKeys(grads).join('\u0000') !== keys.join('\u0000')) {
        throw new L2oError('SHAPE_MISMATCH', `${where}: gradient keys changed within the unroll`);
      }
      readFlatGradients(grads, keys, gradBuf, where);
      const t = records.length;
      kernel.step(gradBuf, read);
      const heads = kernel.outputs();
      // Write: the W new pairs (b divided by n) enter at the end of the window, the W oldest leave.
      if (W > 0) {
        const fresh: Slot[] = Array.from({ length: W }, (_, h) => {
          const a = mk.alloc(n);
          const b = mk.alloc(n);
          mk.f32(a, n).set(heads[R + h]!);
          const bv = mk.f32(b, n);
          const raw = heads[R + W + h]!;
          for (let q = 0; q < n; q++) bv[q] = raw[q]! / n;
          return { a, b, written: { step: t, head: h } };
        });
        slots = W === K ? fresh : [...slots.slice(W), ...fresh];
      }
      // Read: v_i = m₀ r_i + Σ_j a_j (b_j · r_i).
      const next = new Float32Array(n * R);
      const coef: Float64Array[] = [];
      const keyAt: number[] = [];
      const aRows = slots.map((sl) => sl.a);
      const bRows = slots.map((sl) => sl.b);
      for (let i = 0; i < R; i++) {
        const r = mk.alloc(n);
        mk.f32(r, n).set(heads[i]!);
        const c = new Float64Array(K);
        mk.dotRows(bRows, r, n, c);
        mk.axpyRows(aRows, c, r, m0, n, vAt);
        const v = mk.f32(vAt, n);
        for (let q = 0, o = i; q < n; q++, o += R) next[o] = v[q]!;
        coef.push(c);
        keyAt.push(r);
      }
      records.push({ keys: keyAt, slots, coef });
      read = next;
      const out: Record<string, tf.Tensor> = {};
      let off = 0;
      keys.forEach((k, i) => {
        const size = grads[k]!.size;
        const u = new Float32Array(size);
        for (let q = 0; q < size; q++) u[q] = config.outputScale * next[(off + q) * R]!;
        out[k] = tf.tensor(u, shapes[i]!, 'float32');
        off += size;
      });
      return out;
    },
    state(): NtmBfgsState {
      alive();
      const s = kernel.state();
      const flat = (part: 'a' | 'b'): Float32Array => {
        const m = new Float32Array(K * n);
        slots.forEach((sl, j) => m.set(mk.f32(sl[part], n), j * n));
        return m;
      };
      return {
        controller: fromFlatLstmState(s, config.hiddenSizes, n),
        read: hostTensor(read, [n, R]) as tf.Tensor2D,
        memory: { a: hostTensor(flat('a'), [K, n]) as tf.Tensor2D, b: hostTensor(flat('b'), [K, n]) as tf.Tensor2D },
      };
    },
    metaGradient(grads: readonly TensorMap[], weights: readonly number[]): TensorMap {
      alive();
      const T = records.length;
      if (grads.length !== T + 1)
        throw new L2oError('SHAPE_MISMATCH', `${where}: metaGradient needs ${T + 1} gradients; got ${grads.length}`);
      if (weights.length !== T)
        throw new L2oError('SHAPE_MISMATCH', `${where}: weights has ${weights.length} entries; expected ${T}`);
      const ks = keys ?? orderedKeys(grads[0]!);
      const adj = suffixAdjoints(
        grads.slice(1).map((g) => {
          const a = new Float32Array(n);
          readFlatGradients(g, ks, a, where);
          return a;
        }),
        weights,
      );
      // Where each pair written in this unroll was read: (step, slot index) per writing step and head.
      const seenAt = Array.from({ length: T }, () => Array.from({ length: W }, () => [] as [number, number][]));
      records.forEach((rec, t) => {
        rec.slots.forEach((sl, j) => {
          if (sl.written) seenAt[sl.written.step]![sl.written.head]!.push([t, j]);
        });
      });
      const dvs: number[][] = []; // dvs[t][i]: adjoint of read i's output at step t (offset)
      const es: Float64Array[][] = []; // es[t][i][j] = a_j · dv_i at step t
      let dFed: Float32Array = new Float32Array(n * R); // adjoint of the reads of step t fed into step t + 1
      for (let t = T - 1; t >= 0; t--) {
        const rec = records[t]!;
        const aRows = rec.slots.map((sl) => sl.a);
        const bRows = rec.slots.map((sl) => sl.b);
        const headAdj: Float32Array[] = [];
        dvs[t] = [];
        es[t] = [];
        for (let i = 0; i < R; i++) {
          const dvAt = mk.alloc(n);
          const dv = mk.f32(dvAt, n);
          const outAdj = i === 0 ? adj[t]! : undefined;
          for (let q = 0, o = i; q < n; q++, o += R)
            dv[q] = outAdj ? dFed[o]! + config.outputScale * outAdj[q]! : dFed[o]!;
          const e = new Float64Array(K);
          mk.dotRows(aRows, dvAt, n, e);
          mk.axpyRows(bRows, e, dvAt, m0, n, vAt);
          dvs[t]![i] = dvAt;
          es[t]![i] = e;
          headAdj.push(mk.f32(vAt, n).slice());
        }
        // The pairs written at step t have been read for the last time: d a = Σ (bⱼ·r) dv, d b = Σ (aⱼ·dv) r
        // over the reads that saw them (all at steps ≥ t, done). b = b_raw / n.
        const pairAdj = (h: number, part: 'a' | 'b'): Float32Array => {
          const rows: number[] = [];
          const coef: number[] = [];
          for (const [u, j] of seenAt[t]![h]!) {
            for (let i = 0; i < R; i++) {
              rows.push(part === 'a' ? dvs[u]![i]! : records[u]!.keys[i]!);
              coef.push(part === 'a' ? records[u]!.coef[i]![j]! : es[u]![i]![j]! / n);
            }
          }
          mk.axpyRows(rows, coef, 0, 0, n, vAt);
          return mk.f32(vAt, n).slice();
        };
        for (let h = 0; h < W; h++) headAdj.push(pairAdj(h, 'a'));
        for (let h = 0; h < W; h++) headAdj.push(pairAdj(h, 'b'));
        dFed = kernel.backwardStep(t, headAdj);
      }
      const d = kernel.backwardResult();
      const out: Record<string, tf.Tensor> = {};
      for (const k of Object.keys(phi)) out[k] = tf.tensor(d[k]!, phi[k]!.shape, 'float32');
      return out;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      releaseFusedLstm(kernel);
      releaseMemoryKernel(mk);
    },
  };
}
