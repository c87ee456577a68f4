// Micro-benchmark of l2o's wasm kernels against the stock tfjs-backend-wasm kernels they replace.
// Usage: node tools/bench-kernels.mjs   (bundles packages/core/src/engine/wasm-kernels.ts with esbuild first)
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(root, 'node_modules', '.bench-kernels-'));
const outfile = join(dir, 'wasm-kernels.mjs');
await build({
  entryPoints: [join(root, 'packages/core/src/engine/wasm-kernels.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  packages: 'external',
  outfile,
  logLevel: 'error',
});
const tf = await import('@tensorflow/tfjs');
await import('@tensorflow/tfjs-backend-wasm');
const { registerWasmKernels, stockWasmKernel } = await import(pathToFileURL(outfile).href);
rmSync(dir, { recursive: true, force: true });
tf.enableProdMode();
registerWasmKernels();
await tf.setBackend('wasm');
await tf.ready();
const backend = tf.backend();

const WARMUP = 5;
const REPEATS = Number(process.env.REPEATS ?? 31);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** ms per call of a kernelFunc, outputs freed after each call. */
function time(kernelFunc, inputs, attrs) {
  const once = () => {
    const t0 = performance.now();
    const out = kernelFunc({ inputs, attrs, backend });
    const t1 = performance.now();
    for (const o of Array.isArray(out) ? out : [out]) backend.disposeData(o.dataId);
    return t1 - t0;
  };
  for (let i = 0; i < WARMUP; i++) once();
  const ts = [];
  for (let i = 0; i < REPEATS; i++) ts.push(once());
  return median(ts);
}

const rand = (shape) => tf.randomUniform(shape, -3, 3);
const cases = [
  {
    label: 'Slice [15910,80] → [15910,20] at col 20',
    kernel: 'Slice',
    inputs: { x: rand([15910, 80]) },
    attrs: { begin: [0, 20], size: [15910, 20] },
  },
  {
    label: 'SplitV [15910,80] → 4×[15910,20]',
    kernel: 'SplitV',
    inputs: { x: rand([15910, 80]) },
    attrs: { numOrSizeSplits: 4, axis: 1 },
  },
  {
    label: 'Concat [15910,2] ‖ [15910,20] (axis 1)',
    kernel: 'Concat',
    inputs: [rand([15910, 2]), rand([15910, 20])],
    attrs: { axis: 1 },
  },
  { label: 'Tanh [15910,20]', kernel: 'Tanh', inputs: { x: rand([15910, 20]) }, attrs: {} },
  {
    label: 'BatchMatMul [15910,22]ᵀ×[15910,80]',
    kernel: 'BatchMatMul',
    inputs: { a: rand([1, 15910, 22]), b: rand([1, 15910, 80]) },
    attrs: { transposeA: true, transposeB: false },
  },
  {
    label: 'BatchMatMul [15910,80]×[22,80]ᵀ',
    kernel: 'BatchMatMul',
    inputs: { a: rand([1, 15910, 80]), b: rand([1, 22, 80]) },
    attrs: { transposeA: false, transposeB: true },
  },
  {
    label: 'BatchMatMul [15910,22]×[22,80] (no flags)',
    kernel: 'BatchMatMul',
    inputs: { a: rand([1, 15910, 22]), b: rand([1, 22, 80]) },
    attrs: { transposeA: false, transposeB: false },
  },
];

console.log(`median ms per call (${WARMUP} warm-up, ${REPEATS} repeats), wasm backend, ${tf.version.tfjs}`);
console.log('| kernel / shape | stock ms | l2o ms | speed-up |');
console.log('| --- | ---: | ---: | ---: |');
for (const c of cases) {
  const stock = time(stockWasmKernel(c.kernel).kernelFunc, c.inputs, c.attrs);
  const ours = time(tf.getKernel(c.kernel, 'wasm').kernelFunc, c.inputs, c.attrs);
  console.log(`| ${c.label} | ${stock.toFixed(3)} | ${ours.toFixed(3)} | ${(stock / ours).toFixed(1)}× |`);
}

// Added kernel (no stock wasm kernel): Conv2DBackpropFilter, against the cpu backend's.
{
  const x = rand([32, 28, 28, 8]);
  const dy = rand([32, 28, 28, 16]);
  const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 8, 16] };
  const ours = time(tf.getKernel('Conv2DBackpropFilter', 'wasm').kernelFunc, { x, dy }, attrs);
  console.log(
    `| Conv2DBackpropFilter x[32,28,28,8] dy[32,28,28,16] f3×3 (added; no stock) | — | ${ours.toFixed(3)} | — |`,
  );
}
