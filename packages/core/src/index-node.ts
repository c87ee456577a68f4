// `@l2o/core` in Node (the `node` export condition): the platform-neutral main entry, plus what Node offers the
// engine (tfjs-node where installed, the processor count).
import { registerNodeEngine } from './node/node-engine.js';

registerNodeEngine();

export * from './index.js';
