import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/tsup-base.ts';

export default defineConfig(
  packageBuild({ index: 'src/index.ts', testing: 'src/testing.ts', 'thread-worker': 'src/thread-worker.ts' }),
);
