import { initEngine } from '@l2o/core';
import type { BackendName } from '@l2o/core/extend';
import { cpus, totalmem } from 'node:os';

export async function runInfo(backend: BackendName | 'auto'): Promise<void> {
  const info = await initEngine(backend);
  const cpu = cpus()[0]?.model ?? 'unknown';
  const lines = [
    `backend      ${info.backend}`,
    `tfjs         ${info.tfjsVersion}`,
    `node         ${info.nodeVersion}`,
    `cores        ${info.cores} (${cpu})`,
    `memory       ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    ...Object.entries(info.unavailable).map(([k, v]) => `unavailable  ${k}: ${v}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
