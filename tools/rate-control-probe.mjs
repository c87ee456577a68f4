#!/usr/bin/env node
// What a learning-rate controller that reads the agreement of successive gradients can and cannot do, measured with
// plain Adam on the benchmark suite's train and validation tasks (never the test split). Two modes:
//
//   node tools/rate-control-probe.mjs grid [task,…]
//     Adam at fixed rates 1e-3 … 3 on 2 problems per task: the mean ln of the final loss, and along the run the mean
//     of cos(g, m₋) (m₋: the momentum before the step, the controller's feature 0), of the same cosine with every
//     coordinate scaled by 1/(√v̂ + ε), and the fraction of coordinates whose gradient opposes their momentum.
//
//   node tools/rate-control-probe.mjs rule k=0.2,c=0,beta=0.5,lr0=0.003[,dn=…][,b2=…][,secant=1] [task,…]
//     Adam whose per-tensor log rate follows a hand rule, Δ ln lr = k·tanh(3(e − c)) (dn instead of k when the
//     argument is negative), e the EMA (decay beta) of cos(g, m₋), starting at lr0; secant=F adds the secant start of
//     @l2o/optimizer-hyper (step 2: ln lr += ln clamp(F·a*, 1, 1000)). Prints each task's Δ ln f against the best
//     fixed rate of the grid on the same problems (run the grid first: it is recomputed here, 8 rates per task).
//
// Results: docs/results/general/README.md, "Why a rate controller loses the quadratics". Build first (npm run build).
import * as tf from '@tensorflow/tfjs';
import { Rng, initEngine } from '@l2o/core';
import { defaultSuite } from '@l2o/benchmark';

const [mode, arg2, arg3] = process.argv.slice(2);
if (mode !== 'grid' && mode !== 'rule') {
  console.error(
    'usage: node tools/rate-control-probe.mjs grid [task,…] | rule k=…,c=…,beta=…,lr0=…[,dn=…][,b2=…][,secant=…] [task,…]',
  );
  process.exit(2);
}
const rule =
  mode === 'rule'
    ? Object.fromEntries(
        (arg2 ?? '')
          .split(',')
          .filter(Boolean)
          .map((kv) => {
            const [k, v] = kv.split('=');
            if (!['k', 'c', 'beta', 'lr0', 'dn', 'b2', 'secant'].includes(k) || !Number.isFinite(Number(v))) {
              console.error(`rule: bad setting "${kv}"; allowed k, c, beta, lr0, dn, b2, secant (numbers)`);
              process.exit(2);
            }
            return [k, Number(v)];
          }),
      )
    : null;
const only = (mode === 'grid' ? arg2 : arg3)?.split(',');
const RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3];
const PROBLEMS = 2;

await initEngine('wasm');
const tasks = defaultSuite().tasks.filter((t) => t.split !== 'test' && (!only || only.includes(t.id)));

/**
 * One Adam run (β₁ 0.9, ε 1e-8) with a per-tensor log rate `control(tensorState, cos, t)` may change; returns ln f_T
 * and the run means of the three agreement measures.
 */
function run(task, problem, lr0, control, beta2 = 0.999) {
  const rng = Rng.seeded(task.seed + 7, problem);
  const prob = task.family('validation').sample(rng);
  let params = prob.init(rng);
  const keys = Object.keys(params).sort();
  const st = keys.map((k) => ({
    m: new Float32Array(params[k].size),
    v: new Float32Array(params[k].size),
    logLr: Math.log(lr0),
    e: 0,
  }));
  let f = Number.NaN;
  let raw = 0;
  let pre = 0;
  let opposed = 0;
  for (let t = 1; t <= task.steps; t++) {
    const batch = prob.sampleBatch(rng);
    const { value, grads } = tf.valueAndGrads((...xs) =>
      prob.loss(Object.fromEntries(keys.map((k, i) => [k, xs[i]])), batch),
    )(keys.map((k) => params[k]));
    f = value.dataSync()[0];
    value.dispose();
    const c1 = 1 - 0.9 ** t;
    const c2 = 1 - beta2 ** t;
    const next = {};
    keys.forEach((k, i) => {
      const g = grads[i].dataSync();
      const s = st[i];
      const { m, v } = s;
      let dot = 0;
      let gg = 0;
      let mm = 0;
      let dotP = 0;
      let ggP = 0;
      let mmP = 0;
      let flips = 0;
      const vPrevHat = t > 1 ? 1 - beta2 ** (t - 1) : 1;
      for (let j = 0; j < g.length; j++) {
        const inv = 1 / (Math.sqrt(t > 1 ? v[j] / vPrevHat : g[j] * g[j]) + 1e-8);
        dot += g[j] * m[j];
        gg += g[j] * g[j];
        mm += m[j] * m[j];
        dotP += g[j] * m[j] * inv * inv;
        ggP += g[j] * g[j] * inv * inv;
        mmP += m[j] * m[j] * inv * inv;
        if (g[j] * m[j] < 0) flips++;
      }
      const cos = t > 1 ? dot / Math.sqrt(gg * mm + 1e-30) : 0;
      if (t > 1) {
        raw += cos / keys.length;
        pre += dotP / Math.sqrt(ggP * mmP + 1e-30) / keys.length;
        opposed += flips / g.length / keys.length;
      }
      control?.(s, cos, t, g);
      const lr = Math.exp(s.logLr);
      const th = params[k].dataSync();
      const out = new Float32Array(g.length);
      for (let j = 0; j < g.length; j++) {
        m[j] = 0.9 * m[j] + 0.1 * g[j];
        v[j] = beta2 * v[j] + (1 - beta2) * g[j] * g[j];
        out[j] = th[j] - (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + 1e-8);
      }
      if (t === 1) s.u0 = Float32Array.from(out, (x, j) => x - th[j]);
      if (t === 1) s.g0 = Float32Array.from(g);
      next[k] = tf.tensor(out, params[k].shape);
    });
    tf.dispose(grads);
    tf.dispose(Object.values(params));
    params = next;
    if (!Number.isFinite(f) || f > 1e10) break;
  }
  tf.dispose(Object.values(params));
  prob.dispose?.();
  const n = task.steps - 1;
  return { lnf: Math.log(Math.max(f, 1e-30)), raw: raw / n, pre: pre / n, opposed: opposed / n };
}

/** The grid of fixed rates on one task: rows per rate and the best one. */
function grid(task) {
  const rows = RATES.map((lr) => {
    const r = [0, 1].map((p) => run(task, p, lr));
    const mean = (f) => r.reduce((a, x) => a + f(x), 0) / r.length;
    return {
      lr,
      lnf: mean((x) => x.lnf),
      raw: mean((x) => x.raw),
      pre: mean((x) => x.pre),
      opposed: mean((x) => x.opposed),
    };
  });
  const best = rows.reduce((a, b) => (Number.isFinite(b.lnf) && b.lnf < a.lnf ? b : a));
  return { rows, best };
}

let clipped = 0;
let wins = 0;
for (const task of tasks) {
  const { rows, best } = grid(task);
  if (mode === 'grid') {
    console.log(`\n${task.id} (${task.split}), best fixed rate ${best.lr}`);
    for (const r of rows) {
      console.log(
        `  lr ${String(r.lr).padEnd(6)} ln f ${r.lnf.toFixed(3).padStart(8)}  cos ${r.raw.toFixed(3)}  preconditioned ${r.pre.toFixed(3)}  opposed ${r.opposed.toFixed(3)}${r === best ? '  <- best' : ''}`,
      );
    }
    continue;
  }
  const { k = 0.2, c = 0, beta = 0.5, lr0 = 0.003, b2 = 0.999, secant = 0 } = rule;
  const dn = rule.dn ?? k;
  const control = (s, cos, t, g) => {
    s.e = beta * s.e + (1 - beta) * cos;
    if (t < 2) return;
    if (secant > 0 && t === 2) {
      let num = 0;
      let den = 0;
      for (let j = 0; j < g.length; j++) {
        num += s.g0[j] * s.u0[j];
        den += (g[j] - s.g0[j]) * s.u0[j];
      }
      // Along θ₀ + a·u₀: the quadratic model through g₀ and g₁ has its minimum at a* = −⟨g₀,u₀⟩/⟨g₁ − g₀, u₀⟩.
      if (den > 0 && num < 0) s.logLr += Math.log(Math.min(1000, Math.max(1, (secant * -num) / den)));
    }
    const x = 3 * (s.e - c);
    s.logLr += (x > 0 ? k : dn) * Math.tanh(x);
  };
  const lnf = [0, 1].map((p) => run(task, p, lr0, control, b2).lnf).reduce((a, b) => a + b) / PROBLEMS;
  const d = lnf - best.lnf;
  clipped += Math.max(-1, Math.min(1, d)) / tasks.length;
  if (d < 0) wins++;
  console.log(`${task.id.padEnd(36)} Δ ln f ${d.toFixed(3).padStart(7)} (best fixed rate ${best.lr})`);
}
if (mode === 'rule') {
  console.log(
    `${arg2}: mean Δ ln f clipped to ±1 ${clipped.toFixed(3)}, below the best fixed rate on ${wins} of ${tasks.length}`,
  );
}
