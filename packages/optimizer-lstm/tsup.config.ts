import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/tsup-base.ts';

// The main entry and `extend` share one copy of every module (code splitting into shared chunks), so the fused
// kernels' thread host registered through `extend` is the one the main entry's kernels use.
export default defineConfig({
  ...packageBuild(
    { index: 'src/index.ts', 'index-node': 'src/index-node.ts', extend: 'src/extend.ts', node: 'src/node.ts' },
    ['@l2o/optimizer-lstm'],
  ),
  splitting: true,
});
