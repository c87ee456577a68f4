import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { delimiter, dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The built example, served locally and driven like a user in headless Chromium (Debian's `chromium`, found on
// PATH or at $L2O_CHROMIUM). Without it the tests skip, except in CI (CI=true), where they fail.
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const OUT = join(ROOT, 'test-output');

function findChromium(): string | undefined {
  const fromEnv = process.env['L2O_CHROMIUM'];
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) {
      const p = join(dir, name);
      if (dir !== '' && existsSync(p)) return p;
    }
  }
  return undefined;
}

const executable = findChromium();
const inCi = process.env['CI'] === 'true';
if (!executable && inCi) {
  throw new Error(
    "browser tests: chromium not found (PATH or $L2O_CHROMIUM); CI must run them — install Debian's chromium",
  );
}
if (!executable) {
  console.warn(
    "browser tests skipped: chromium not found on PATH (or $L2O_CHROMIUM); install Debian's chromium to run them",
  );
}

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.css': 'text/css',
};

function serve(dir: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(join(dir, decodeURIComponent((req.url ?? '/').split('?')[0]!)));
    const file = path.endsWith('/') ? join(path, 'index.html') : path;
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

describe.skipIf(!executable)('the browser example in headless Chromium', () => {
  let server: Server;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const dist = join(OUT, 'dist');
    await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'error', build: { outDir: dist } });
    server = await serve(dist);
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: executable!,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  /** Opens `path`, waits for the page to finish (body[data-status]), returns the page and its console errors. */
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 800, height: 760 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/${path}`);
    await page
      .waitForFunction(() => document.body.dataset['status'] !== 'loading', undefined, { timeout: 5_000 })
      .catch(() => {});
    await page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset['status'] ?? ''), undefined, {
      timeout: 90_000,
      polling: 250,
    });
    return { page, errors };
  }

  it("MNIST page: no console error; the learned optimizer's loss falls over its steps, next to Adam's", async () => {
    const { page, errors } = await open('index.html?steps=60&backend=wasm');
    const r = await page.evaluate(
      () =>
        (
          globalThis as {
            l2oMnist?: { status: string; backend: string; learned: number[]; adam: number[]; error?: string };
          }
        ).l2oMnist!,
    );
    await page.screenshot({ path: join(OUT, 'mnist.png') });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('done');
    expect(r.backend).toBe('wasm');
    expect(errors).toEqual([]);
    expect(r.learned).toHaveLength(60);
    expect(r.adam).toHaveLength(60);
    const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    // log(10) ≈ 2.30 at the start; the learned optimizer must have brought the loss well down by the end.
    expect(mean(r.learned.slice(-10))).toBeLessThan(0.75 * mean(r.learned.slice(0, 5)));
    expect(existsSync(join(OUT, 'mnist.png'))).toBe(true);
    await page.close();
  });

  it('meta-training page: finishes its epochs with a progress bar, no console error', async () => {
    const { page, errors } = await open('meta-train.html?epochs=4&backend=wasm');
    const r = await page.evaluate(
      () =>
        (
          globalThis as {
            l2oMeta?: {
              status: string;
              epochsDone: number;
              metaLosses: number[];
              before: number;
              after: number;
              error?: string;
            };
          }
        ).l2oMeta!,
    );
    await page.screenshot({ path: join(OUT, 'meta-train.png') });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe('done');
    expect(errors).toEqual([]);
    expect(r.epochsDone).toBe(4);
    expect(r.metaLosses).toHaveLength(4);
    expect(r.metaLosses.every(Number.isFinite)).toBe(true);
    expect(await page.evaluate(() => (document.getElementById('progress') as HTMLProgressElement).value)).toBe(1);
    await page.close();
  });
});
