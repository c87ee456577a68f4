import { defineConfig } from 'tsup';
import { packageBuild } from '../../tools/tsup-base.ts';

// The main entry and `extend` share one copy of every module (code splitting into shared chunks), so a class or
// a module-level registry (`L2oIoError`, the engine's state) is the same object through either subpath.
export default defineConfig({
  ...packageBuild(
    {
      index: 'src/index.ts',
      'index-node': 'src/index-node.ts',
      extend: 'src/extend.ts',
      testing: 'src/testing.ts',
      node: 'src/node.ts',
    },
    ['@l2o/core'],
  ),
  splitting: true,
});
