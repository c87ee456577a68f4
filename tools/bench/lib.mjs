// Shared pieces of the bench's workloads: bundling the packages' sources, the PyTorch peers, medians, tables.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const peerScript = join(root, 'tools', 'bench', 'peer', 'run-peer.sh');

/** `--name value` from argv, else the default. */
export function option(args, name, dflt) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim().split(/\s+/).slice(0, 3).join(' ');

/**
 * Bundles `exportLines` (TypeScript `export … from '@l2o/…'` lines) from the packages' sources (the
 * '@l2o/source' condition: no build needed, no stale dist measured) into a temporary module under node_modules.
 * Returns its path and a cleanup function.
 */
export async function bundleSources(exportLines, tag = 'bench') {
  const dir = mkdtempSync(join(root, 'node_modules', `.${tag}-`));
  const entry = join(dir, 'entry.ts');
  const outfile = join(dir, 'bundle.mjs');
  writeFileSync(entry, exportLines.join('\n'));
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['@l2o/source'],
    external: ['@tensorflow/*'],
    outfile,
    logLevel: 'error',
    absWorkingDir: root,
  });
  return {
    path: outfile,
    url: pathToFileURL(outfile).href,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs a PyTorch peer (tools/bench/peer/SCRIPT through run-peer.sh) with `threads` torch threads. Returns the
 * parsed `peer_result` lines, or `{ missing: reason }` when torch is not there or the peer failed.
 */
export function runPeer(script, args, threads) {
  const r = spawnSync('bash', [peerScript, script, ...args.map(String)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
    env: { ...process.env, PEER_THREADS: String(threads) },
  });
  const results = (r.stdout ?? '')
    .split('\n')
    .filter((l) => l.startsWith('peer_result '))
    .map((l) => ({ ...JSON.parse(l.slice(12)), load: loadavg() }));
  if (r.status === 0 && results.length) return { results };
  const why =
    (r.stdout ?? '').split('\n').find((l) => l.startsWith('peer:')) ??
    `peer ${script} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
  return { missing: why };
}

export function printTable(rows) {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const [n, r] of rows.entries()) {
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  '));
    if (n === 0) console.log(w.map((x) => '-'.repeat(x)).join('  '));
  }
}

/** Tensors inside a (nested) state object. */
export function tensorsIn(tf, c, out = []) {
  if (c instanceof tf.Tensor) out.push(c);
  else if (Array.isArray(c)) for (const x of c) tensorsIn(tf, x, out);
  else if (c !== null && typeof c === 'object') for (const x of Object.values(c)) tensorsIn(tf, x, out);
  return out;
}

/** MNIST-shaped D-H-C sigmoid MLP on one fixed random batch (x ~ N(0,1), uniform labels), θ₀ ~ N(0, 0.1²). */
export const randomMlpFamily = (tf, H, D = 784, C = 10, B = 128) => ({
  name: `bench-mlp-${D}-${H}-${C}-random-b${B}`,
  sample(rng) {
    const X = tf.tensor2d(rng.normalArray(B * D), [B, D]);
    const Y = tf.tidy(() =>
      tf.oneHot(
        tf.tensor1d(
          Array.from({ length: B }, () => rng.int(C)),
          'int32',
        ),
        C,
      ),
    );
    const shapes = { w1: [D, H], b1: [H], w2: [H, C], b2: [C] };
    return {
      name: `bench-mlp-${D}-${H}-${C}`,
      init(r) {
        const out = {};
        for (const [k, s] of Object.entries(shapes)) {
          const n = s.reduce((a, b) => a * b, 1);
          out[k] = tf.tensor(
            Float32Array.from(r.normalArray(n), (v) => 0.1 * v),
            s,
          );
        }
        return out;
      },
      sampleBatch() {
        return null; // fixed data, as the peer: the batch lives in the problem
      },
      loss(p) {
        return tf.tidy(() =>
          tf.losses.softmaxCrossEntropy(Y, tf.add(tf.matMul(tf.sigmoid(tf.add(tf.matMul(X, p.w1), p.b1)), p.w2), p.b2)),
        );
      },
      dispose() {
        X.dispose();
        Y.dispose();
      },
    };
  },
});

/**
 * Runs `job` of the workload `script` in a child process (`--child JOB --bundle URL` after `args`), so each job's
 * peak RSS is its own: echoes the child's output, returns the object of its `RESULT {json}` line, or undefined
 * (with a message) when the child failed or printed none. The child gets this process's Node flags, so
 * `node --cpu-prof tools/bench/workloads/lstm.mjs …` profiles the jobs too.
 */
export function runChildJob(script, args, job, bundleUrl) {
  const r = spawnSync(process.execPath, [...process.execArgv, script, ...args, '--child', job, '--bundle', bundleUrl], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  const lines = r.stdout.split('\n');
  process.stdout.write(lines.filter((l) => !l.startsWith('RESULT ')).join('\n'));
  const line = lines.find((l) => l.startsWith('RESULT '));
  if (r.status !== 0 || !line) {
    console.log(`${job}: failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''})`);
    return undefined;
  }
  return JSON.parse(line.slice(7));
}

/**
 * Runs `jobs` one after another through {@link runChildJob} (each in its own process, printing `--- JOB` first),
 * then removes `bundle` (from bundleSources) whatever happened. Returns the parsed results by job; failed jobs are
 * left out.
 */
export function runChildJobs(script, args, jobs, bundle) {
  const results = {};
  try {
    for (const job of jobs) {
      console.log(`\n--- ${job}`);
      const res = runChildJob(script, args, job, bundle.url);
      if (res) results[job] = res;
    }
  } finally {
    bundle.cleanup();
  }
  return results;
}
