// A worker process for the tests: `node worker-process.mjs URL [hold]`. Prints one line per event; with `hold` it
// takes its first job and never finishes it (the test kills it mid-job).
import { initEngine } from '@l2o/core';
import { serveJobs } from '@l2o/distributed';
import { resolveTinyRun } from './tiny-run.mjs';

const [url, mode] = process.argv.slice(2);
await initEngine('wasm');
try {
  const server = await serveJobs({
    connection: url,
    resolveRun: resolveTinyRun,
    lockDuration: 1000,
    stalledInterval: 500,
    connectTimeoutSeconds: 2,
    onEvent: (e) => process.stdout.write(`${e.kind} ${e.metaStep ?? ''} ${e.index ?? ''}\n`),
    beforeEstimate: mode === 'hold' ? () => new Promise(() => undefined) : undefined,
  });
  await server.done;
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
