import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/tsup-base.ts';

export default defineConfig(packageBuild({ index: 'src/index.ts' }));
