// `npm run bench [-- WORKLOAD… ] [-- --flags passed to every workload]`: runs the bench's workloads
// (tools/bench/workloads/NAME.mjs), each in its own process, in the order given (default: all, alphabetically).
// Each workload times l2o (and, where it has one, its PyTorch peer from tools/bench/peer in the same sitting) and
// merges its section into docs/results/bench/summary.json through recordBench (tools/bench/record-bench.mjs),
// which also renders summary.md and ratios.svg. `npm run bench -- --list` lists the workloads.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchDir } from './record-bench.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(join(here, 'workloads'))
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.slice(0, -4))
  .sort();
const argv = process.argv.slice(2);
const names = [];
let i = 0;
for (; i < argv.length && !argv[i].startsWith('--'); i++) names.push(argv[i]);
const flags = argv.slice(i);
if (flags.includes('--list') || flags.includes('-h') || flags.includes('--help')) {
  console.log(`usage: npm run bench [-- WORKLOAD…] [--flag value…]\nworkloads: ${available.join(', ')}`);
  process.exit(0);
}
for (const n of names)
  if (!available.includes(n)) {
    console.error(`bench: unknown workload "${n}"; allowed values: ${available.join(', ')}`);
    process.exit(2);
  }
const chosen = names.length ? names : available;
let failed = 0;
for (const [k, name] of chosen.entries()) {
  console.log(`\n======== bench ${k + 1}/${chosen.length}: ${name}`);
  const r = spawnSync(process.execPath, [join(here, 'workloads', `${name}.mjs`), ...flags], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`bench: workload ${name} failed (exit ${r.status}${r.signal ? `, ${r.signal}` : ''})`);
  }
}
console.log(`\nbench: summary in ${join(benchDir(), 'summary.md')}`);
process.exit(failed ? 1 : 0);
